// The connections of a worker that are merely waiting: keep-alive
// connections between requests, and new ones that have not spoken yet.
// Oldest first, so that at max_connections the worker can close the
// longest-idle ones to make room for a new client, as nginx does with its
// "reusable connections". Intrusive: linking and unlinking never allocate.
#pragma once

#include <cstddef>

namespace hearth {

// What a connection carries to be on the list (Connection derives from it).
// REQUIRES: a node is removed before it is destroyed.
struct IdleNode {
  IdleNode* older = nullptr;
  IdleNode* newer = nullptr;
  bool idle = false;  // on the list
};

class IdleConnections {
 public:
  // Appends `node` as the newest; one already on the list moves there.
  void add(IdleNode* node);
  // Does nothing for a node that is not on the list.
  void remove(IdleNode* node);
  IdleNode* oldest() const { return oldest_; }
  size_t size() const { return size_; }

 private:
  IdleNode* oldest_ = nullptr;
  IdleNode* newest_ = nullptr;
  size_t size_ = 0;
};

}  // namespace hearth
