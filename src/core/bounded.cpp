#include "core/bounded.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>

namespace mcpk {
namespace {

struct Job {
  explicit Job(const net::any_io_executor& ex) : done(ex, net::steady_timer::time_point::max()) {}
  std::function<Task<void>(std::size_t)> work;
  std::size_t n = 0;
  std::size_t next = 0;
  std::size_t running = 0;
  net::steady_timer done;  // cancel() when the last worker ends
};

Task<void> worker(std::shared_ptr<Job> job) {
  while (job->next < job->n) {
    const auto i = job->next++;
    co_await job->work(i);
  }
  if (--job->running == 0) job->done.cancel();
}

}  // namespace

Task<void> for_each_bounded(net::any_io_executor executor, std::size_t n, std::size_t width,
                            std::function<Task<void>(std::size_t)> work) {
  if (n == 0) co_return;
  auto job = std::make_shared<Job>(executor);
  job->work = std::move(work);
  job->n = n;
  job->running = std::min(std::max<std::size_t>(width, 1), n);
  for (std::size_t w = 0; w < job->running; ++w) net::co_spawn(executor, worker(job), net::detached);
  while (job->running > 0) co_await job->done.async_wait(use_tuple);
}

}  // namespace mcpk
