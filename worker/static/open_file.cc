#include "worker/static/open_file.h"

#include <unistd.h>

namespace hearth {

OpenFile::~OpenFile() {
  if (fd >= 0) ::close(fd);
}

}  // namespace hearth
