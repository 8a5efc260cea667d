#include "core/cancel.hpp"

namespace mcpk {

CancelToken::Registration& CancelToken::Registration::operator=(Registration&& other) noexcept {
  if (this != &other) {
    reset();
    token_ = std::move(other.token_);
    id_ = other.id_;
    other.id_ = 0;
  }
  return *this;
}

void CancelToken::Registration::reset() {
  if (id_ == 0) return;
  if (auto t = token_.lock()) t->remove(id_);
  id_ = 0;
}

void CancelToken::cancel(std::string reason) {
  if (cancelled_) return;
  cancelled_ = true;
  reason_ = std::move(reason);
  // Callbacks may deregister others (or themselves) while running: take them out first.
  auto callbacks = std::move(callbacks_);
  callbacks_.clear();
  for (auto& [id, fn] : callbacks) fn();
}

CancelToken::Registration CancelToken::on_cancel(const std::shared_ptr<CancelToken>& token, std::function<void()> fn) {
  if (!token) return {};
  if (token->cancelled_) {
    fn();
    return {};
  }
  const auto id = token->next_id_++;
  token->callbacks_.emplace(id, std::move(fn));
  return Registration(token, id);
}

}  // namespace mcpk
