// app/widgets/animation_controls.hpp: play / pause / step / scrub for a panel's animation field (a
// 0..1 display field marked Animation(), see fields.hpp). The same field drives --animate and
// File > Export animation, so what plays is what exports.
#pragma once

#include "../panels/fields.hpp"

namespace lens::app {

class AnimationControls {
public:
    // Draws |< < play/pause > >| and a scrubber on one line; advances the field while playing, in
    // `seconds` for the whole run. `steps` > 0 makes the step buttons and the scrubber discrete.
    void Draw(FieldTable& fields, Field& field, int steps, float seconds);
    bool Playing() const { return m_playing; }

private:
    bool m_playing = false;
};

}  // namespace lens::app
