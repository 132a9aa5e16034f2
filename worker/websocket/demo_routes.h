// The demo site's WebSocket routes:
//   /socket  echoes every message, text or binary, as it came
//   /chat    every message goes to every /chat client on every worker; on
//            open the server says which worker took the client:
//            {"type":"hello","worker":<slot>,"pid":<pid>}
#pragma once

namespace hearth {

class Worker;

void register_websocket_demo(Worker& worker);

}  // namespace hearth
