// Placeholder: the config loader is being written on branch `config`.
#include "shared/config.h"
namespace hearth {
Config default_config() { return Config(); }
bool load_config(const std::string&, Config*, std::string* error) { *error = "not implemented"; return false; }
}
