// A double-ended queue on one growable ring of slots. Unlike libstdc++'s
// std::deque, which allocates about 600 bytes as soon as it is constructed,
// an empty RingQueue owns nothing, and once warm it reuses its slots without
// allocating: what a connection's output queue needs, ten thousand times.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace hearth {

// T must be default-constructible and movable; a popped slot keeps nothing.
template <typename T>
class RingQueue {
 public:
  class Iterator {
   public:
    Iterator(RingQueue* q, size_t i) : q_(q), i_(i) {}
    T& operator*() const { return (*q_)[i_]; }
    T* operator->() const { return &(*q_)[i_]; }
    Iterator& operator++() {
      i_++;
      return *this;
    }
    bool operator!=(const Iterator& other) const { return i_ != other.i_; }

   private:
    RingQueue* q_;
    size_t i_;
  };

  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }
  T& operator[](size_t i) { return slots_[(head_ + i) & (slots_.size() - 1)]; }
  const T& operator[](size_t i) const { return slots_[(head_ + i) & (slots_.size() - 1)]; }
  T& front() { return (*this)[0]; }
  T& back() { return (*this)[size_ - 1]; }
  Iterator begin() { return Iterator(this, 0); }
  Iterator end() { return Iterator(this, size_); }

  void push_back(T value) {
    grow_if_full();
    (*this)[size_] = std::move(value);
    size_++;
  }
  void push_front(T value) {
    grow_if_full();
    head_ = (head_ + slots_.size() - 1) & (slots_.size() - 1);
    size_++;
    front() = std::move(value);
  }
  void pop_front() {
    // Moved out and destroyed, not assigned T(): a std::string assigned a
    // short one keeps its old buffer, which would stay in the slot.
    [[maybe_unused]] T gone = std::move(front());
    head_ = (head_ + 1) & (slots_.size() - 1);
    size_--;
  }
  void clear() {
    while (!empty()) pop_front();
    head_ = 0;
  }
  // Gives the slots back (an idle owner); the next push allocates again.
  void release_storage() {
    clear();
    std::vector<T>().swap(slots_);
  }

 private:
  // Sizes stay powers of two, so an index wraps with a mask.
  void grow_if_full() {
    if (size_ < slots_.size()) return;
    std::vector<T> bigger(slots_.empty() ? 1 : slots_.size() * 2);
    for (size_t i = 0; i < size_; i++) bigger[i] = std::move((*this)[i]);
    slots_.swap(bigger);
    head_ = 0;
  }

  std::vector<T> slots_;
  size_t head_ = 0;
  size_t size_ = 0;
};

}  // namespace hearth
