// app/gfx/gl.hpp: how gfx code reaches OpenGL (the generated glad loader, 3.3 core). Only app/gfx/
// includes it: the rest of the app draws through gfx (frame.hpp, texture, framebuffer, shader).
#pragma once

#include <glad/gl.h>
