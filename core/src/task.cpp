// lens/task.cpp: the worker threads behind TaskRunner and the non-template half of a task.
//
// Lock order: TaskRunner::m_mutex before TaskBase::m_mutex (the destructor cancels tasks while
// holding the runner's lock); no path takes them the other way round.
#include "lens/task.hpp"

#include <algorithm>
#include <cmath>
#include <exception>

namespace lens {

// [SECTION] TaskContext

bool TaskContext::Cancelled() const { return m_task != nullptr && m_task->Cancelled(); }

void TaskContext::SetProgress(float fraction) {
    if (m_task == nullptr || std::isnan(fraction)) return;
    m_task->m_progress.store(std::clamp(fraction, 0.0f, 1.0f), std::memory_order_relaxed);
}

void TaskContext::ThrowIfCancelled() const {
    if (Cancelled()) throw TaskCancelled{};
}

// [SECTION] TaskBase

void TaskBase::Cancel() {
    m_cancel.store(true, std::memory_order_release);
    int expected = kPending;
    std::lock_guard lock(m_mutex);
    // Under the lock so that a waiter cannot check Done() and miss this notification.
    if (m_phase.compare_exchange_strong(expected, kDone, std::memory_order_acq_rel)) m_done.notify_all();
}

bool TaskBase::Failed() const {
    std::lock_guard lock(m_mutex);
    return m_failed;
}

std::string TaskBase::Error() const {
    std::lock_guard lock(m_mutex);
    return m_error;
}

bool TaskBase::Wait(std::chrono::milliseconds timeout) const {
    std::unique_lock lock(m_mutex);
    return m_done.wait_for(lock, timeout, [this] { return Done(); });
}

bool TaskBase::TryStart() {
    int expected = kPending;
    return m_phase.compare_exchange_strong(expected, kRunning, std::memory_order_acq_rel);
}

void TaskBase::Finish(bool failed, std::string error) {
    std::lock_guard lock(m_mutex);
    m_failed = failed;
    m_error = std::move(error);
    if (!failed && !Cancelled()) m_progress.store(1.0f, std::memory_order_relaxed);
    m_phase.store(kDone, std::memory_order_release);
    m_done.notify_all();
}

// [SECTION] TaskRunner

TaskRunner::TaskRunner(int threads) {
    const int count = std::max(1, threads);
    m_threads.reserve(static_cast<size_t>(count));
    for (int i = 0; i < count; ++i) m_threads.emplace_back([this] { WorkerLoop(); });
}

TaskRunner::~TaskRunner() {
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
        for (const auto& task : m_queue) task->Cancel();
        m_queue.clear();
        for (const auto& task : m_running) task->Cancel();
    }
    m_wake.notify_all();
    for (std::thread& thread : m_threads) thread.join();
}

std::size_t TaskRunner::Queued() const {
    std::lock_guard lock(m_mutex);
    return m_queue.size();
}

void TaskRunner::Enqueue(std::shared_ptr<TaskBase> task) {
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping) {
            task->Cancel();
            return;
        }
        m_queue.push_back(std::move(task));
    }
    m_wake.notify_one();
}

void TaskRunner::WorkerLoop() {
    for (;;) {
        std::shared_ptr<TaskBase> task;
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [this] { return m_stopping || !m_queue.empty(); });
            if (m_queue.empty()) return;  // stopping, and the destructor emptied the queue
            task = std::move(m_queue.front());
            m_queue.pop_front();
            // Started under the runner's lock, so the destructor sees it either queued or running.
            if (!task->TryStart()) continue;  // cancelled while queued: already Done
            m_running.push_back(task);
        }

        TaskContext context(task.get());
        bool failed = false;
        std::string error;
        try {
            task->Execute(context);
        } catch (const TaskCancelled&) {
            // Usually the work noticed a cancellation; if it threw on its own, still report it
            // as cancelled, so that a task without a result is always either cancelled or failed.
            task->m_cancel.store(true, std::memory_order_release);
        } catch (const std::exception& e) {
            failed = true;
            error = e.what();
            if (error.empty()) error = "exception with an empty message";
        } catch (...) {
            failed = true;
            error = "unknown exception";
        }
        {
            std::lock_guard lock(m_mutex);
            m_running.erase(std::find(m_running.begin(), m_running.end(), task));
        }
        task->Finish(failed, std::move(error));
    }
}

}  // namespace lens
