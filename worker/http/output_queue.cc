#include "worker/http/output_queue.h"

#include <sys/sendfile.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

namespace hearth {

namespace {
constexpr size_t kChunkBytes = 64 * 1024;     // bounded chunk when the socket is full
constexpr size_t kSendfileBytes = 1 << 20;    // per sendfile(2) call
constexpr unsigned kMaxBufs = 16;             // iovecs per uv_try_write
constexpr size_t kMaxSpareBuffers = 8;
constexpr size_t kMaxSpareCapacity = 16 * 1024;  // a big body's buffer is freed

// Buffers of answers already sent, for the next answers of any connection
// of this thread (a worker is one thread): a head and a small body then
// cost no malloc and free each.
std::vector<std::string>& spare_buffers() {
  thread_local std::vector<std::string> spares;
  return spares;
}

void recycle(std::string&& buffer) {
  std::vector<std::string>& spares = spare_buffers();
  if (spares.size() >= kMaxSpareBuffers || buffer.capacity() > kMaxSpareCapacity) return;
  buffer.clear();
  spares.push_back(std::move(buffer));
}

}  // namespace

std::string OutputQueue::take_buffer() {
  std::vector<std::string>& spares = spare_buffers();
  if (spares.empty()) return std::string();
  std::string buffer = std::move(spares.back());
  spares.pop_back();
  return buffer;
}

OutputQueue::OutputQueue(Transport* transport, Listener* listener) : transport_(transport), listener_(listener) {
  transport_->set_listener(this);
}

OutputQueue::~OutputQueue() { cancel(); }

void OutputQueue::set_transport(Transport* transport) {
  transport_->forget_listener(this);
  transport_ = transport;
  transport_->set_listener(this);
}

void OutputQueue::cancel() {
  transport_->forget_listener(this);
  listener_ = nullptr;
  items_.clear();
  memory_bytes_ = 0;
}

void OutputQueue::push(std::string bytes) {
  if (bytes.empty()) return;
  notify_queued();
  memory_bytes_ += bytes.size();
  if (!items_.empty() && items_.back().kind == Item::Kind::kMemory && items_.back().data.size() < kChunkBytes) {
    items_.back().data += bytes;
    recycle(std::move(bytes));
    return;
  }
  Item item(Item::Kind::kMemory);
  item.data = std::move(bytes);
  items_.push_back(std::move(item));
}

bool OutputQueue::write(std::string_view bytes) {
  if (!bytes.empty()) notify_queued();
  if (items_.empty() && !write_in_flight_ && error_ == 0 && !bytes.empty()) {
    uv_buf_t buf = uv_buf_init(const_cast<char*>(bytes.data()), static_cast<unsigned>(bytes.size()));
    int written = transport_->try_write(&buf, 1);
    if (written > 0) bytes.remove_prefix(static_cast<size_t>(written));
    if (transport_->pending()) {
      write_in_flight_ = true;  // taken, not yet sent (TLS): the rest waits
      if (!bytes.empty()) push(std::string(bytes));
      return false;
    }
    if (bytes.empty()) return true;
    // A failed write is tried again by flush(), which reports it.
  }
  push(std::string(bytes));
  return flush();
}

void OutputQueue::push_file(std::shared_ptr<const OpenFile> file, uint64_t offset, uint64_t length) {
  if (length == 0) return;
  notify_queued();
  Item item(Item::Kind::kFile);
  item.file = std::move(file);
  item.file_offset = offset;
  item.remaining = length;
  items_.push_back(std::move(item));
}

void OutputQueue::push_stream(std::shared_ptr<BodyStream> stream, bool chunked) {
  notify_queued();
  Item item(Item::Kind::kStream);
  item.stream = std::move(stream);
  item.chunked = chunked;
  items_.push_back(std::move(item));
}

bool OutputQueue::has_file_or_stream() const {
  for (size_t i = 0; i < items_.size(); i++) {
    if (items_[i].kind != Item::Kind::kMemory) return true;
  }
  return false;
}

bool OutputQueue::flush() {
  if (write_in_flight_ || error_ != 0) return false;
  while (!items_.empty()) {
    Item& item = items_.front();
    Step step = Step::kProgress;
    switch (item.kind) {
      case Item::Kind::kMemory: step = write_memory(); break;
      case Item::Kind::kFile: step = write_file(item); break;
      case Item::Kind::kStream: step = expand_stream(item); break;
    }
    if (step == Step::kBlocked) return false;
    if (step == Step::kError) {
      // Report from the loop, not from inside the caller's stack.
      if (listener_ != nullptr) listener_->on_output_error(error_);
      return false;
    }
  }
  return true;
}

// Sends the leading run of memory items with one writev; what the socket
// does not take goes to uv_write as one owned chunk.
OutputQueue::Step OutputQueue::write_memory() {
  uv_buf_t bufs[kMaxBufs];
  unsigned n = 0;
  for (auto it = items_.begin(); it != items_.end() && n < kMaxBufs; ++it) {
    if (it->kind != Item::Kind::kMemory) break;
    bufs[n++] = uv_buf_init(const_cast<char*>(it->data.data() + it->data_offset),
                            static_cast<unsigned>(it->data.size() - it->data_offset));
  }
  int written = transport_->try_write(bufs, n);
  if (written < 0 && written != UV_EAGAIN) {
    error_ = written;
    return Step::kError;
  }
  if (written > 0) consume_memory(static_cast<size_t>(written));
  if (transport_->pending()) {
    write_in_flight_ = true;
    return Step::kBlocked;
  }
  if (!items_.empty() && items_.front().kind == Item::Kind::kMemory) {
    Item& front = items_.front();
    std::string rest = front.data.substr(front.data_offset);
    memory_bytes_ -= rest.size();
    items_.pop_front();
    return queue_chunk(std::move(rest));
  }
  return Step::kProgress;
}

void OutputQueue::consume_memory(size_t n) {
  memory_bytes_ -= n;
  while (n > 0) {
    Item& front = items_.front();
    size_t left = front.data.size() - front.data_offset;
    if (n < left) {
      front.data_offset += n;
      return;
    }
    n -= left;
    recycle(std::move(front.data));
    items_.pop_front();
  }
}

OutputQueue::Step OutputQueue::write_file(Item& item) {
  int sock = transport_->sendfile_fd();
  if (sock < 0) return write_file_through(item);
  while (item.remaining > 0) {
    off_t offset = static_cast<off_t>(item.file_offset);
    size_t want = item.remaining < kSendfileBytes ? item.remaining : kSendfileBytes;
    ssize_t sent = ::sendfile(sock, item.file->fd, &offset, want);
    if (sent > 0) {
      item.file_offset += sent;
      item.remaining -= sent;
      continue;
    }
    if (sent < 0 && errno == EINTR) continue;
    if (sent < 0 && errno == EAGAIN) {
      // The socket is full: hand one chunk to libuv, which tells us when it drained.
      std::string chunk(want < kChunkBytes ? want : kChunkBytes, '\0');
      ssize_t got = ::pread(item.file->fd, &chunk[0], chunk.size(), static_cast<off_t>(item.file_offset));
      if (got <= 0) break;
      chunk.resize(got);
      item.file_offset += got;
      item.remaining -= got;
      if (item.remaining == 0) items_.pop_front();
      return queue_chunk(std::move(chunk));
    }
    break;  // 0 bytes: the file shrank under us; the promised length cannot be met
  }
  if (item.remaining > 0) {
    error_ = UV_EOF;
    return Step::kError;
  }
  items_.pop_front();
  return Step::kProgress;
}

// No sendfile (TLS): one bounded chunk read at a time, handed straight to
// the transport, which encrypts from it; the next is read once it is sent.
OutputQueue::Step OutputQueue::write_file_through(Item& item) {
  for (;;) {
    size_t want = item.remaining < kChunkBytes ? item.remaining : kChunkBytes;
    std::string chunk(want, '\0');
    ssize_t got = ::pread(item.file->fd, &chunk[0], chunk.size(), static_cast<off_t>(item.file_offset));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      error_ = UV_EOF;  // the file shrank under us
      return Step::kError;
    }
    chunk.resize(static_cast<size_t>(got));
    item.file_offset += got;
    item.remaining -= got;
    bool last = item.remaining == 0;
    if (last) items_.pop_front();  // `item` is gone
    uv_buf_t buf = uv_buf_init(&chunk[0], static_cast<unsigned>(chunk.size()));
    Step step = after_try_write(transport_->try_write(&buf, 1), chunk);
    if (last || step != Step::kProgress) return step;
  }
}

// What a try_write of `bytes` returned: all sent, all taken but pending,
// or the rest handed to write.
OutputQueue::Step OutputQueue::after_try_write(int written, std::string_view bytes) {
  if (written < 0 && written != UV_EAGAIN) {
    error_ = written;
    return Step::kError;
  }
  size_t taken = written > 0 ? static_cast<size_t>(written) : 0;
  if (taken < bytes.size()) return queue_chunk(std::string(bytes.substr(taken)));
  if (transport_->pending()) {
    write_in_flight_ = true;
    return Step::kBlocked;
  }
  return Step::kProgress;
}

OutputQueue::Step OutputQueue::expand_stream(Item& item) {
  std::string piece;
  std::shared_ptr<BodyStream> stream = item.stream;
  bool chunked = item.chunked;
  bool more = stream->next(&piece);
  if (!more) items_.pop_front();
  if (!more && stream->failed()) {
    error_ = UV_EOF;  // torn body: close without the last chunk
    return Step::kError;
  }
  std::string framed;
  if (!piece.empty()) {
    if (chunked) {
      char size_line[24];
      snprintf(size_line, sizeof size_line, "%zx\r\n", piece.size());
      framed = size_line + piece + "\r\n";
    } else {
      framed = std::move(piece);
    }
  }
  if (!more && chunked) framed += "0\r\n\r\n";
  if (framed.empty()) return Step::kProgress;
  Item mem(Item::Kind::kMemory);
  memory_bytes_ += framed.size();
  mem.data = std::move(framed);
  items_.push_front(std::move(mem));
  return Step::kProgress;
}

OutputQueue::Step OutputQueue::queue_chunk(std::string chunk) {
  int r = transport_->write(std::move(chunk));
  if (r != 0) {
    error_ = r;
    return Step::kError;
  }
  write_in_flight_ = true;
  return Step::kBlocked;
}

void OutputQueue::on_transport_written(int status) {
  write_in_flight_ = false;
  if (status < 0) {
    error_ = status;
    if (listener_ != nullptr) listener_->on_output_error(status);
    return;
  }
  if (listener_ != nullptr) listener_->on_output_progress();
  if (flush() && listener_ != nullptr) listener_->on_output_drained();
}

}  // namespace hearth
