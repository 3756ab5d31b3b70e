// lens/task.hpp: run work that may take longer than a frame on a worker thread, cancellable,
// with progress, while the UI keeps showing the previous result (DESIGN.md section 3).
//
//   TaskRunner runner;                                       // one worker thread
//   LatestTask<ConvKey, Grid<float>> raster(runner);         // a panel member
//   raster.Request(key, [spec](TaskContext& ctx) { ...; ctx.SetProgress(0.5f); ...; return grid; });
//   raster.Poll();                                           // once a frame, on the UI thread
//   if (const Grid<float>* grid = raster.Current()) Draw(*grid);
//   if (raster.Busy()) ShowSpinner(raster.Progress());
//
// Work functions run on another thread: capture inputs by value (copies, shared_ptr to const),
// never references to panel state, and poll ctx.Cancelled() in their loops so that a superseded
// request or the runner's destructor stops them quickly. Threads cannot be killed: work that never
// polls delays both the next task and the destructor until it returns.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace lens {

class TaskBase;

// Thrown by TaskContext::ThrowIfCancelled(); the runner records the task as cancelled, not failed.
// Deliberately not a std::exception, so that work catching std::exception does not swallow it.
struct TaskCancelled {};

// What a work function sees of its task. A default-constructed context belongs to no task: it is
// never cancelled and drops progress, for running the same work synchronously (tests, the CLI).
class TaskContext {
public:
    TaskContext() = default;
    // True once the task was cancelled (superseded, or the runner is shutting down). Cheap: an atomic load.
    bool Cancelled() const;
    // Reports progress as a fraction 0..1 (clamped; NaN ignored). Cheap: an atomic store.
    void SetProgress(float fraction);
    // Throws TaskCancelled when Cancelled(): a one-line exit from deep inside nested loops.
    void ThrowIfCancelled() const;

private:
    friend class TaskRunner;
    explicit TaskContext(TaskBase* task) : m_task(task) {}
    TaskBase* m_task = nullptr;
};

// The state every task shares, whatever its result type. All members are safe to call from any thread.
class TaskBase {
public:
    virtual ~TaskBase() = default;
    TaskBase(const TaskBase&) = delete;
    TaskBase& operator=(const TaskBase&) = delete;

    // True once the task will not change again: its work returned or threw, or it was cancelled
    // before starting.
    bool Done() const { return m_phase.load(std::memory_order_acquire) == kDone; }
    // True while the work function is executing on a worker.
    bool Running() const { return m_phase.load(std::memory_order_acquire) == kRunning; }
    // Fraction 0..1 last reported by the work; 1 once it finished without error or cancellation.
    float Progress() const { return m_progress.load(std::memory_order_relaxed); }
    // Requests cancellation. A task still queued is Done at once; a running one when its work
    // next polls Cancelled() and returns. Its result, if any, is discarded. Never blocks.
    void Cancel();
    // True once Cancel() was called (by the owner or by the runner's destructor).
    bool Cancelled() const { return m_cancel.load(std::memory_order_acquire); }
    // True when the work threw (anything but TaskCancelled); Error() then says what.
    bool Failed() const;
    // The exception's what() if the work threw, "unknown exception" for a non-std exception; else empty.
    std::string Error() const;
    // Blocks until Done() or until `timeout` passes; returns Done(). Not for the UI thread.
    bool Wait(std::chrono::milliseconds timeout) const;

protected:
    TaskBase() = default;
    // Runs the work on a worker thread and stores its result; may throw (the runner catches).
    virtual void Execute(TaskContext& context) = 0;
    mutable std::mutex m_mutex;  // guards the result (in Task<R>) and the error

private:
    friend class TaskRunner;
    friend class TaskContext;
    enum Phase : int { kPending = 0, kRunning = 1, kDone = 2 };

    bool TryStart();  // pending -> running; false when it was cancelled first
    void Finish(bool failed, std::string error);

    std::atomic<int> m_phase{kPending};
    std::atomic<bool> m_cancel{false};
    std::atomic<float> m_progress{0.0f};
    mutable std::condition_variable m_done;
    bool m_failed = false;  // guarded by m_mutex
    std::string m_error;    // guarded by m_mutex
};

// A task that produces an R. Created by TaskRunner::Submit, shared between the caller and the runner.
template <class R>
class Task final : public TaskBase {
public:
    // The result, moved out, exactly once: after Done(), when neither cancelled nor failed.
    // nullopt before that, after cancellation or failure, and on every later call.
    std::optional<R> TakeResult() {
        if (!Done() || Cancelled()) return std::nullopt;
        std::lock_guard lock(m_mutex);
        std::optional<R> out = std::move(m_result);
        m_result.reset();
        return out;
    }

private:
    friend class TaskRunner;
    explicit Task(std::function<R(TaskContext&)> work) : m_work(std::move(work)) {}

    void Execute(TaskContext& context) override {
        // Moved to a local so that the work's captures are released on this thread, also on a throw.
        std::function<R(TaskContext&)> work = std::move(m_work);
        m_work = nullptr;
        R result = work(context);
        std::lock_guard lock(m_mutex);
        m_result.emplace(std::move(result));
    }

    std::function<R(TaskContext&)> m_work;  // touched only by the worker once submitted
    std::optional<R> m_result;              // guarded by m_mutex
};

namespace detail {
struct DeduceResult {};
}  // namespace detail

// Owns worker threads that run submitted tasks in submission order. One thread by default: panel
// recomputations supersede each other rather than run side by side, and one worker keeps finished
// results in request order and leaves the other cores to the UI thread. More threads are allowed
// for independent batch work (exports).
class TaskRunner {
public:
    // Starts max(1, threads) worker threads.
    explicit TaskRunner(int threads = 1);
    // Cancels every queued and running task, then joins the workers (waiting for running work to
    // notice the cancellation and return).
    ~TaskRunner();
    TaskRunner(const TaskRunner&) = delete;
    TaskRunner& operator=(const TaskRunner&) = delete;

    // Queues `work` (called as work(TaskContext&) on a worker) and returns its task. The result
    // type is deduced from `work`, or given as Submit<R>(work). R must not be void.
    template <class R = detail::DeduceResult, class F>
    auto Submit(F&& work) {
        using Result = std::conditional_t<std::is_same_v<R, detail::DeduceResult>,
                                          std::invoke_result_t<F&, TaskContext&>, R>;
        static_assert(!std::is_void_v<Result>, "a task must return a value (return a bool or a status)");
        std::shared_ptr<Task<Result>> task(new Task<Result>(std::function<Result(TaskContext&)>(std::forward<F>(work))));
        Enqueue(task);
        return task;
    }

    // Number of worker threads.
    int Threads() const { return static_cast<int>(m_threads.size()); }
    // Number of tasks queued and not yet started (cancelled ones included until a worker drops them).
    std::size_t Queued() const;

private:
    void Enqueue(std::shared_ptr<TaskBase> task);
    void WorkerLoop();

    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<std::shared_ptr<TaskBase>> m_queue;     // guarded by m_mutex
    std::vector<std::shared_ptr<TaskBase>> m_running;  // guarded by m_mutex
    bool m_stopping = false;                           // guarded by m_mutex
    std::vector<std::thread> m_threads;
};

// For a panel: shows the latest finished result while a newer one computes. At most one task
// runs per LatestTask; a newer request cancels the older one and its result is never shown.
// Use from one thread (the UI thread). The runner must outlive this object.
template <class Key, class R>
class LatestTask {
public:
    explicit LatestTask(TaskRunner& runner) : m_runner(&runner) {}
    // Cancels the running task (does not wait for it).
    ~LatestTask() { CancelRunning(); }
    LatestTask(const LatestTask&) = delete;
    LatestTask& operator=(const LatestTask&) = delete;

    // Starts `work` for `key` unless key equals the shown key, the running task's key, or the key
    // of the last request that failed (so that a failing computation is not retried every frame).
    // A running task for another key is cancelled. Returns true when a task was started.
    // Call it every frame with the current key: it only starts work when the key changed.
    template <class F>
    bool Request(const Key& key, F&& work) {
        if (m_failed_key && !(*m_failed_key == key)) {
            m_failed_key.reset();
            m_error.clear();
        }
        if (m_current_key && *m_current_key == key) {
            CancelRunning();  // back to what is shown: the newer computation is no longer wanted
            return false;
        }
        if (m_running && *m_running_key == key) return false;
        if (m_failed_key) return false;
        CancelRunning();
        m_running = m_runner->Submit<R>(std::forward<F>(work));
        m_running_key.emplace(key);
        return true;
    }

    // Moves a finished result into the shown slot (bumping Generation()), or records the error of a
    // failed task. Returns true when Current() changed. Call once a frame.
    bool Poll() {
        if (!m_running || !m_running->Done()) return false;
        std::shared_ptr<Task<R>> task = std::move(m_running);
        m_running.reset();
        // The finished task's key goes straight from m_running_key to the slot it belongs to, never
        // through a local std::optional: GCC 12 reported moving such a local as maybe-uninitialized
        // once Poll was inlined (a false positive, GCC bug 80635), in every panel that includes this.
        if (task->Cancelled()) {  // the runner is shutting down
            m_running_key.reset();
            return false;
        }
        if (task->Failed()) {
            m_error = task->Error();
            MoveRunningKeyTo(m_failed_key);
            return false;
        }
        std::optional<R> result = task->TakeResult();
        if (!result) {
            m_running_key.reset();
            return false;
        }
        m_current.reset();
        m_current.emplace(std::move(*result));
        MoveRunningKeyTo(m_current_key);
        ++m_generation;
        return true;
    }

    // Blocks until the running task is done (or `timeout` passes), then Poll()s. For headless
    // rendering and tests, never for the UI thread. Returns true when nothing is running afterwards.
    bool WaitAndPoll(std::chrono::milliseconds timeout) {
        if (m_running) m_running->Wait(timeout);
        Poll();
        return !m_running;
    }

    // Cancels the running task, keeping the shown result.
    void Cancel() { CancelRunning(); }
    // Forgets the shown key (the value stays shown) and any failure, so that the next Request
    // starts work even for the same key: for inputs the key does not capture.
    void Invalidate() {
        m_current_key.reset();
        m_failed_key.reset();
        m_error.clear();
    }

    // The shown result, or nullptr before the first one arrived. Valid until the next Poll.
    const R* Current() const { return m_current ? &*m_current : nullptr; }
    // The key of the shown result, or nullptr (none yet, or after Invalidate()).
    const Key* CurrentKey() const { return m_current_key ? &*m_current_key : nullptr; }
    // The key being computed, or nullptr.
    const Key* PendingKey() const { return m_running_key ? &*m_running_key : nullptr; }
    // True while a task runs (or finished and awaits Poll).
    bool Busy() const { return m_running != nullptr; }
    // Progress 0..1 of the running task; 1 when idle with a result, 0 when idle without one.
    float Progress() const { return m_running ? m_running->Progress() : (m_current ? 1.0f : 0.0f); }
    // Number of results shown so far: 0 before the first, then +1 per result.
    std::uint64_t Generation() const { return m_generation; }
    // Message of the last failed request while that key is still requested; empty otherwise.
    const std::string& Error() const { return m_error; }

private:
    void MoveRunningKeyTo(std::optional<Key>& slot) {
        slot.swap(m_running_key);
        m_running_key.reset();
    }
    void CancelRunning() {
        if (m_running) m_running->Cancel();
        m_running.reset();
        m_running_key.reset();
    }

    TaskRunner* m_runner;
    std::optional<R> m_current;
    std::optional<Key> m_current_key;
    std::shared_ptr<Task<R>> m_running;
    std::optional<Key> m_running_key;
    std::optional<Key> m_failed_key;
    std::string m_error;
    std::uint64_t m_generation = 0;
};

}  // namespace lens
