// The connection's part of a crash hand-over: it keeps its entry of the
// worker's HandoverTable true to its state, so that a fatal-signal handler,
// which cannot look at the connection itself, knows what may be done with it
// (worker/handover/crash_handover.h).
#include <string>

#include "worker/http/connection.h"
#include "worker/worker.h"

namespace hearth {

namespace {

// Served twice, they do no harm (RFC 9110 9.2.2); TRACE is never served.
bool idempotent(const std::string& method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "PUT" || method == "DELETE";
}

// The request again, as a client would send it: its body went through the
// parser whole (a streamed body is never replayed), so it is sent with its
// length; a chunked one would need re-framing and is not replayed.
bool serialize_for_replay(const Request& req, std::string* out) {
  if (req.headers.has("transfer-encoding")) return false;
  out->clear();
  *out += req.method;
  *out += ' ';
  *out += req.target;
  *out += req.http_minor == 0 ? " HTTP/1.0\r\n" : " HTTP/1.1\r\n";
  for (const auto& field : req.headers.fields()) {
    *out += field.first;
    *out += ": ";
    *out += field.second;
    *out += "\r\n";
  }
  *out += "\r\n";
  *out += req.body;
  return true;
}

}  // namespace

HandoverState Connection::handover_state() const {
  if (closing_ || lingering_) return HandoverState::kClosing;
  if (tls_) return HandoverState::kTls;
  if (websocket_) return out_.empty() ? HandoverState::kWebSocket : HandoverState::kBusy;
  if (tunnel_) return HandoverState::kBusy;
  if (reply_ != nullptr && !exchange_written_ && out_.empty() && !receiving_body_) {
    return replay_kept_ ? HandoverState::kWaiting : HandoverState::kWaitingNoReplay;
  }
  if (reply_ != nullptr || !out_.empty() || !parser_idle() || input_held() || receiving_body_) {
    return HandoverState::kBusy;
  }
  return HandoverState::kIdle;
}

void Connection::publish_handover_state() {
  if (handover_entry_ < 0) return;
  HandoverState state = handover_state();
  if (state != HandoverState::kWaiting) forget_replay();  // answered, or given up
  worker_->handover_table()->set(handover_entry_, state);
}

// A byte of an answer is on its way: the request can no longer be served
// again elsewhere, and an idle connection is no longer idle.
void Connection::on_output_queued() {
  if (handover_entry_ < 0 || tls_) return;
  worker_->handover_table()->set(handover_entry_, HandoverState::kBusy);
}

// The handler deferred its answer: keep the request (and whatever the
// client pipelined behind it) where a crash can pass it on.
void Connection::keep_request_for_replay() {
  if (handover_entry_ < 0 || tls_) return;
  HandoverTable* table = worker_->handover_table();
  std::string bytes;
  replay_kept_ = idempotent(ex().request.method) && serialize_for_replay(ex().request, &bytes) &&
                 table->keep_request(handover_entry_, bytes + ex().pending_input);
  publish_handover_state();
}

void Connection::forget_replay() {
  if (!replay_kept_) return;
  replay_kept_ = false;
  if (handover_entry_ >= 0) worker_->handover_table()->drop_request(handover_entry_);
}

}  // namespace hearth
