// The demo app: what `make run` serves on :3000 beside the files of site/.
//   GET  /json          a JSON answer naming the worker that gave it
//   POST /echo          the request body back, with its size
//   GET  /hello/:name   {"hello": name}
//   WS   /socket        echoes every message, text or binary
//   WS   /chat          every message to every /chat client on every worker;
//                       on open: {"type":"hello","worker":<slot>,"pid":<pid>}
// Built on the public API only, like any app outside the tree.
#include <hearth/hearth.h>

#include <openssl/evp.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

namespace {

// Chat lines are short; a smaller limit keeps one message times every
// client, in every worker, cheap.
constexpr size_t kChatMaxMessageBytes = 64 * 1024;

std::string iso8601_now() {
  time_t now = time(nullptr);
  struct tm tm;
  gmtime_r(&now, &tm);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

hearth::WebSocketRoute echo_route() {
  hearth::WebSocketRoute r;
  r.on_message = [](hearth::WebSocket& ws, std::string_view data, bool binary) { ws.send(data, binary); };
  return r;
}

hearth::WebSocketRoute chat_route() {
  hearth::WebSocketRoute greet;
  greet.max_message_bytes = kChatMaxMessageBytes;
  greet.on_open = [](hearth::WebSocket& ws) {
    const hearth::WorkerInfo& w = hearth::current_worker();
    ws.send(nlohmann::json{{"type", "hello"}, {"worker", w.slot}, {"pid", w.pid}}.dump());
  };
  return hearth::broadcast_route("/chat", greet);
}

// ?name=N within min..max; a bad value is a 400.
long int_param(const hearth::Request& req, std::string_view name, const char* fallback, long min, long max) {
  std::string text = req.query_param(name, fallback);
  char* end = nullptr;
  long n = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || n < min || n > max) {
    throw hearth::HttpError(400, std::string(name) + " must be " + std::to_string(min) + ".." + std::to_string(max));
  }
  return n;
}

std::chrono::milliseconds millis_param(const hearth::Request& req) {
  return std::chrono::milliseconds(int_param(req, "ms", "0", 0, 60000));
}

// The async routes: answer later on a timer, and after blocking work on the
// thread pool (a stand-in for a library call that waits).
void add_async_demo_routes(hearth::App& app) {
  auto wait = [](const hearth::Request& req, hearth::Response& res) {
    std::chrono::milliseconds ms = millis_param(req);
    hearth::set_timeout(ms, [reply = res.defer(), ms]() mutable { reply.json({{"waited_ms", ms.count()}}); });
  };
  app.get("/demo/wait", wait);
  app.post("/demo/wait", wait);  // a request a crash must not serve twice
  app.get("/demo/work", [](const hearth::Request& req, hearth::Response& res) {
    std::chrono::milliseconds ms = millis_param(req);
    hearth::offload([ms] { std::this_thread::sleep_for(ms); },
                    [reply = res.defer(), ms](hearth::Outcome<void>& done) mutable {
                      done.get();
                      reply.json({{"worked_ms", ms.count()}});
                    });
  });
  // Server-Sent Events: ?n=N events, one every 100 ms, then the stream ends.
  app.get("/demo/events", [](const hearth::Request& req, hearth::Response& res) {
    long count = int_param(req, "n", "5", 0, 1000);
    hearth::Reply reply = res.defer();
    reply.start_events();
    auto sent = std::make_shared<long>(0);
    auto ticker = std::make_shared<hearth::Timer>();
    auto tick = [reply, sent, count, ticker]() mutable {
      if (reply.aborted() || *sent >= count) {
        reply.end();
        ticker->cancel();  // releases this callback, and the reply with it
        return;
      }
      ++*sent;
      reply.event(nlohmann::json{{"n", *sent}, {"of", count}}.dump(), "tick", std::to_string(*sent));
    };
    *ticker = hearth::set_interval(std::chrono::milliseconds(100), tick);
  });
}

// An upload on its way to a temporary file, hashed as it comes. The file
// goes when the upload ends, however it ends.
class Upload {
 public:
  Upload() : sha_(EVP_MD_CTX_new()) {
    const char* dir = std::getenv("TMPDIR");
    path_ = std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") + "/hearth-upload-XXXXXX";
    fd_ = mkstemp(path_.data());
    if (fd_ < 0 || sha_ == nullptr || EVP_DigestInit_ex(sha_, EVP_sha256(), nullptr) != 1) {
      throw std::runtime_error("cannot start an upload in " + path_);
    }
  }
  ~Upload() {
    finish();
    EVP_MD_CTX_free(sha_);
  }
  Upload(const Upload&) = delete;
  Upload& operator=(const Upload&) = delete;

  // A blocking write on the loop: the page cache takes it at once. (An app
  // writing to slow storage would offload it.)
  void write(std::string_view piece) {
    for (size_t done = 0; done < piece.size();) {
      ssize_t n = ::write(fd_, piece.data() + done, piece.size() - done);
      if (n < 0) throw std::runtime_error("upload write failed");
      done += static_cast<size_t>(n);
    }
    EVP_DigestUpdate(sha_, piece.data(), piece.size());
    bytes_ += piece.size();
  }
  uint64_t bytes() const { return bytes_; }
  std::string sha256_hex() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(sha_, digest, &length);
    static const char kHex[] = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < length; i++) out += {kHex[digest[i] >> 4], kHex[digest[i] & 15]};
    return out;
  }
  void finish() {
    if (fd_ < 0) return;
    ::close(fd_);
    ::unlink(path_.c_str());
    fd_ = -1;
  }

 private:
  EVP_MD_CTX* sha_;
  std::string path_;
  int fd_ = -1;
  uint64_t bytes_ = 0;
};

// POST /demo/upload: the body streamed to a temporary file as it arrives,
// never whole in memory; answers its size and SHA-256 and deletes the file.
void add_upload_route(hearth::App& app) {
  app.streaming("POST", "/demo/upload", [](const hearth::Request&, hearth::Response& res, hearth::RequestBody& body) {
    auto upload = std::make_shared<Upload>();
    hearth::Reply reply = res.defer();
    reply.on_abort([upload] { upload->finish(); });
    body.on_data = [upload](std::string_view piece) { upload->write(piece); };
    body.on_end = [upload, reply]() mutable {
      std::string sha256 = upload->sha256_hex();
      upload->finish();
      reply.json({{"bytes", upload->bytes()}, {"sha256", sha256}});
    };
  });
}

}  // namespace

int main(int argc, char** argv) {
  hearth::App app;
  app.get("/json", [](const hearth::Request&, hearth::Response& res) {
    const hearth::WorkerInfo& w = hearth::current_worker();
    res.json({{"message", "Hello from hearth"}, {"pid", w.pid}, {"worker", w.slot}, {"time", iso8601_now()}});
  });
  // Echoes the request body (Content-Length or chunked) with its size.
  app.post("/echo", [](const hearth::Request& req, hearth::Response& res) {
    res.json({{"bytes", req.body.size()}, {"body", req.body}});
  });
  app.get("/hello/:name", [](const hearth::Request& req, hearth::Response& res) {
    res.json({{"hello", req.params.at("name")}});
  });
  // TechEmpower's plaintext and JSON tests, through the whole API.
  app.get("/plaintext", [](const hearth::Request&, hearth::Response& res) { res.text("Hello, World!"); });
  app.get("/json/plain", [](const hearth::Request&, hearth::Response& res) {
    res.json({{"message", "Hello, World!"}});
  });
  add_async_demo_routes(app);
  add_upload_route(app);
  app.websocket("/socket", echo_route());
  app.websocket("/chat", chat_route());
  return hearth::run(app, argc, argv);
}
