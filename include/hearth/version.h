// The version of the hearth library an app was compiled against.
#pragma once

#define HEARTH_VERSION "0.2.0"
