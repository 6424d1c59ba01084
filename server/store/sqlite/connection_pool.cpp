#include "server/store/sqlite/connection_pool.h"

namespace rmgr::store::sqlite {

ConnectionPool::Lease::~Lease() {
  if (conn_) pool_->Return(std::move(conn_));
}

void ConnectionPool::Add(std::unique_ptr<Connection> conn) {
  Return(std::move(conn));
}

Result<ConnectionPool::Lease> ConnectionPool::Borrow(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  if (!idle_cv_.wait_for(lock, timeout, [this] { return !idle_.empty(); })) {
    return MakeError(ErrorCode::kBusy, "store: no " + what_ + " became free within the busy timeout");
  }
  std::unique_ptr<Connection> conn = std::move(idle_.back());
  idle_.pop_back();
  return Lease(*this, std::move(conn));
}

void ConnectionPool::Return(std::unique_ptr<Connection> conn) {
  {
    const std::lock_guard lock(mutex_);
    idle_.push_back(std::move(conn));
  }
  idle_cv_.notify_one();
}

}  // namespace rmgr::store::sqlite
