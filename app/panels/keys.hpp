// app/panels/keys.hpp: kept for the panels not yet moved to fields.hpp (the key table is the field table).
#pragma once

#include "fields.hpp"
