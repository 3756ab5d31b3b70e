// app/gfx/gl.hpp: the only way app code reaches OpenGL (the generated glad loader, 3.3 core).
#pragma once

#include <glad/gl.h>
