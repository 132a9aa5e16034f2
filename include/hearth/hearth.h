// hearth's public API, all of it. See docs/API.md.
#pragma once

#include <hearth/app.h>
#include <hearth/broadcast.h>
#include <hearth/cookies.h>
#include <hearth/headers.h>
#include <hearth/http_error.h>
#include <hearth/offload.h>
#include <hearth/reply.h>
#include <hearth/request.h>
#include <hearth/response.h>
#include <hearth/run.h>
#include <hearth/timer.h>
#include <hearth/version.h>
#include <hearth/websocket.h>
