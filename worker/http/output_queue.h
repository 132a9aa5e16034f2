// Everything a connection has to send, in order: bytes in memory, slices of
// open files and body streams. Memory goes out with the transport's
// try_write when the socket takes it, files with sendfile(2) (or, over TLS,
// read one bounded chunk at a time and encrypted); only when the socket is
// full is one bounded chunk handed to the transport's write, and the queue
// waits for it. So a slow reader costs at most one chunk of memory per
// connection, never a whole file.
#pragma once

#include <uv.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "shared/ring_queue.h"
#include "worker/http/response_body.h"
#include "worker/http/transport.h"

namespace hearth {

class OutputQueue : private Transport::Listener {
 public:
  class Listener {
   public:
    virtual ~Listener() = default;
    // A blocked flush finished: the queue is empty again.
    virtual void on_output_drained() = 0;
    // Writing failed (peer gone, file shrank): the connection must close.
    virtual void on_output_error(int uv_error) = 0;
    // A blocked write completed: the client is reading, however slowly.
    // (A send timeout measures the time between two such moments.)
    virtual void on_output_progress() {}
    // Bytes are about to be written: from now on the client has had part
    // of an answer (a crash can no longer serve its request again).
    virtual void on_output_queued() {}
  };

  // REQUIRES: `transport` and `listener` outlive the queue's pending write;
  // call cancel() before closing the socket.
  OutputQueue(Transport* transport, Listener* listener);
  ~OutputQueue() override;
  // Writes through `transport` from now on (TLS, once accepted). REQUIRES:
  // nothing written yet.
  void set_transport(Transport* transport);
  OutputQueue(const OutputQueue&) = delete;
  OutputQueue& operator=(const OutputQueue&) = delete;

  // An empty string to build the next answer in, with the capacity of one
  // already sent when there is one; push() takes it back once written.
  static std::string take_buffer();
  void push(std::string bytes);
  // Writes `bytes` straight from the caller's buffer when nothing is queued
  // ahead and the socket takes them, copying only what it did not take.
  // Returns like flush().
  bool write(std::string_view bytes);
  void push_file(std::shared_ptr<const OpenFile> file, uint64_t offset, uint64_t length);
  // `chunked`: frame each piece with HTTP/1.1 chunked encoding.
  void push_stream(std::shared_ptr<BodyStream> stream, bool chunked);

  // Writes as much as the socket takes now. Returns true when everything is
  // out; otherwise on_output_drained() or on_output_error() follows later.
  bool flush();
  bool empty() const { return items_.empty() && !write_in_flight_; }
  bool write_in_flight() const { return write_in_flight_; }
  // Bytes queued in memory (not counting file slices still on disk).
  size_t memory_bytes() const { return memory_bytes_; }
  // Something other than bytes in memory is queued (a file, a stream).
  bool has_file_or_stream() const;
  // The pending write will report to nobody: the connection is closing.
  void cancel();

 private:
  struct Item {
    enum class Kind : uint8_t { kMemory, kFile, kStream };
    Item() = default;
    explicit Item(Kind k) : kind(k) {}
    Kind kind = Kind::kMemory;
    bool chunked = false;  // a stream's pieces go out chunk-framed
    std::string data;
    size_t data_offset = 0;
    std::shared_ptr<const OpenFile> file;
    uint64_t file_offset = 0;
    uint64_t remaining = 0;
    std::shared_ptr<BodyStream> stream;
  };
  enum class Step { kProgress, kBlocked, kError };
  Step write_memory();
  Step write_file(Item& item);
  Step write_file_through(Item& item);
  Step expand_stream(Item& item);
  Step queue_chunk(std::string chunk);
  Step after_try_write(int written, std::string_view bytes);
  void consume_memory(size_t n);
  void on_transport_written(int status) override;
  void notify_queued() {
    if (listener_ != nullptr) listener_->on_output_queued();
  }

  Transport* transport_;
  Listener* listener_;
  RingQueue<Item> items_;
  size_t memory_bytes_ = 0;
  bool write_in_flight_ = false;  // waiting for on_transport_written
  int error_ = 0;
};

}  // namespace hearth
