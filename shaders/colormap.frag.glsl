#version 330 core
// Maps a float texture to colour. Colormaps are anchor tables interpolated linearly:
// viridis (magnitudes), a blue-white-red diverging map (signed values), and categorical hues
// (parameter identity: one hue per trainable weight, grey for "mixed", see RasterMode).
in vec2 v_uv;
out vec4 frag;
uniform sampler2D u_values;
uniform int u_map;         // 0 viridis, 1 diverging, 2 categorical, 3 greys
uniform float u_lo;        // value mapped to the start of the map
uniform float u_hi;        // value mapped to the end of the map
uniform int u_log;         // 1: map log10(v) from log10(lo) to log10(hi) (densities spanning decades)
uniform float u_scale;     // v is multiplied by this first (a count per pixel -> a density)
uniform vec4 u_empty;      // colour of NaN (no structural non-zero) pixels
uniform vec4 u_zero;       // colour of exact zeros in viridis/greys (structural zeros)

const vec3 kViridis[9] = vec3[9](
    vec3(68, 1, 84), vec3(72, 40, 120), vec3(62, 73, 137), vec3(49, 104, 142), vec3(38, 130, 142),
    vec3(31, 158, 137), vec3(53, 183, 121), vec3(110, 206, 88), vec3(253, 231, 37));
const vec3 kDiverging[5] = vec3[5](
    vec3(5, 48, 97), vec3(67, 147, 195), vec3(247, 247, 247), vec3(214, 96, 77), vec3(103, 0, 31));

vec3 Viridis(float t) {
    float x = clamp(t, 0.0, 1.0) * 8.0;
    int i = min(int(floor(x)), 7);
    return mix(kViridis[i], kViridis[i + 1], x - float(i)) / 255.0;
}

vec3 Diverging(float t) {
    float x = clamp(t, 0.0, 1.0) * 4.0;
    int i = min(int(floor(x)), 3);
    return mix(kDiverging[i], kDiverging[i + 1], x - float(i)) / 255.0;
}

vec3 Hsv(float h, float s, float v) {
    vec3 k = clamp(abs(mod(h * 6.0 + vec3(0.0, 4.0, 2.0), 6.0) - 3.0) - 1.0, 0.0, 1.0);
    return v * mix(vec3(1.0), k, s);
}

void main() {
    float v = texture(u_values, v_uv).r;
    if (isnan(v)) { frag = u_empty; return; }
    if (u_map == 2) {
        if (v < 0.0) { frag = vec4(0.45, 0.45, 0.48, 1.0); return; }   // mixed parameters
        // Golden-ratio hue steps keep neighbouring parameter ids far apart in hue.
        float h = fract(v * 0.61803398875 + 0.1);
        float s = 0.55 + 0.35 * fract(v * 0.3819660113);
        frag = vec4(Hsv(h, s, 0.95), 1.0);
        return;
    }
    if ((u_map == 0 || u_map == 3) && v == 0.0) { frag = u_zero; return; }
    v *= u_scale;
    float lo = u_lo, hi = u_hi;
    if (u_log == 1) {
        // Anything at or below lo (but not zero) takes the bottom colour: it still shows.
        float floor_v = max(lo, 1e-30);
        v = log(max(v, floor_v)); lo = log(floor_v); hi = log(max(hi, floor_v));
    }
    float t = (hi > lo) ? (v - lo) / (hi - lo) : 1.0;
    if (u_map == 0) frag = vec4(Viridis(t), 1.0);
    else if (u_map == 1) frag = vec4(Diverging(t), 1.0);
    else frag = vec4(vec3(clamp(t, 0.0, 1.0)), 1.0);
}
