#include "worker/http/idle_connections.h"

namespace hearth {

void IdleConnections::add(IdleNode* node) {
  if (node->idle) remove(node);
  node->older = newest_;
  node->newer = nullptr;
  node->idle = true;
  if (newest_ != nullptr) newest_->newer = node;
  newest_ = node;
  if (oldest_ == nullptr) oldest_ = node;
  size_++;
}

void IdleConnections::remove(IdleNode* node) {
  if (!node->idle) return;
  if (node->older != nullptr) node->older->newer = node->newer;
  if (node->newer != nullptr) node->newer->older = node->older;
  if (oldest_ == node) oldest_ = node->newer;
  if (newest_ == node) newest_ = node->older;
  *node = IdleNode();
  size_--;
}

}  // namespace hearth
