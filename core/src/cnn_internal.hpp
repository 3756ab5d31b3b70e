// cnn_internal.hpp (private to core/src/cnn_*.cpp): helpers the CNN sources share. cnn.cpp was one
// file of 1,583 lines; it is split along its sections into cnn_text.cpp (layer constructors, the
// text form, presets), cnn_analysis.cpp (shapes, counts, receptive fields, the region of a
// location) and cnn_forward.cpp (weights and the forward pass, fast and reference).
#pragma once

#include <string>

#include "lens/count.hpp"

namespace lens::cnn_detail {

// A number as the messages write it: "64", "-3".
inline std::string Num(Index v) { return std::to_string(v); }

}  // namespace lens::cnn_detail
