#version 330 core
// A triangle covering the viewport, generated from gl_VertexID (no vertex buffer).
out vec2 v_uv;
void main() {
    vec2 p = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2));
    // Output row r samples value row r; ImGui then shows texture row 0 at the top, as grids are.
    v_uv = p;
    gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0);
}
