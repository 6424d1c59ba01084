#pragma once
// Request/response types shared by the HTTP layer, and the one error shape
// every failure uses: {"error": {"code", "message", "field"}}.
// Thread safety: plain types and pure functions.

#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <string>
#include <string_view>

#include "common/result.h"

namespace rmgr::server::http {

namespace beast_http = boost::beast::http;
using Request = beast_http::request<beast_http::string_body>;
using Response = beast_http::response<beast_http::string_body>;
//! A response whose body is a file, sent from disk a piece at a time (large downloads).
using FileResponse = beast_http::response<beast_http::file_body>;
using Status = beast_http::status;

//! A JSON response with the given status and body; bytes of its strings
//! that are not UTF-8 become U+FFFD, so the body is always valid JSON.
Response JsonResponse(Status status, const boost::json::value& body);

//! The project's error shape with an explicit status and machine code.
Response ErrorResponse(Status status, std::string_view code, std::string_view message,
                       std::string_view field = {});

//! The error shape for a domain Error, with the status its code maps to.
Response ErrorResponse(const Error& error);

//! HTTP status for a domain error code (400 validation, 404, 409, 413, ...).
Status StatusFor(ErrorCode code);

}  // namespace rmgr::server::http
