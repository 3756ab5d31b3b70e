// lens/types.hpp: small vocabulary types several operators share (so that a header needing only
// one of them does not pull in a whole operator).
#pragma once

namespace lens {

// How a (C, H, W) tensor is flattened into a vector.
enum class FlatOrder {
    ChannelMajor,   // index = (c * H + y) * W + x, as PyTorch flattens a C,H,W tensor
    PositionMajor,  // index = (y * W + x) * C + c (H,W,C, channels fastest)
};

}  // namespace lens
