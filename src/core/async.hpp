/// @file
/// @brief The one place that spells Asio's coroutine vocabulary for Boost 1.81.
///
/// Boost 1.81 has no token-less `co_await op()`, no bare `as_tuple` and no `cancel_after`:
/// use `Task<T>`, `use_task` and `use_tuple` from here so the workarounds live in one file.
/// Asio/Beast are compiled separately (BOOST_ASIO_SEPARATE_COMPILATION; see boost_impl.cpp).
///
/// g++ 12 trap (verified): a lambda or a braced temporary (`T{...}`, `{{"k", v}}`) inside a
/// co_await expression is destroyed twice, corrupting the heap. Bind such arguments to a named
/// local first: `Send send = [..](..){..}; co_await f(send);`. scripts/lint rejects the pattern.
/// A defaulted class-type parameter of a coroutine (`Scope s = {}`) is the same trap at every
/// call that omits it: give coroutines no such defaults.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace mcpk {

namespace net = boost::asio;

template <class T = void>
using Task = net::awaitable<T>;

/// Completion token: throw on error.
inline constexpr auto use_task = net::use_awaitable;
/// Completion token: return (error_code, values...) — for errors that are normal outcomes.
inline constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

}  // namespace mcpk
