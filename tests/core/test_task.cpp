// Tests for lens/task.hpp. Deterministic under sanitizers: work that must stay "long" waits on a
// gate the test opens (or on cancellation), never on a sleep that assumes a speed; every wait has
// a generous 10 s limit only to turn a hang into a failure.
#include "lens/task.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using lens::LatestTask;
using lens::TaskContext;
using lens::TaskRunner;
using namespace std::chrono_literals;

constexpr auto kHangGuard = 10s;

// Polls `condition` until it holds or kHangGuard passes.
template <class Condition>
bool WaitUntil(Condition condition) {
    const auto deadline = std::chrono::steady_clock::now() + kHangGuard;
    while (!condition()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(1ms);
    }
    return true;
}

// A one-shot gate: work blocks in Pass() until the test calls Open(), or its task is cancelled.
class Gate {
public:
    void Open() {
        {
            std::lock_guard lock(m_mutex);
            m_open = true;
        }
        m_cv.notify_all();
    }
    // Returns true when opened, false when the task was cancelled first.
    bool Pass(const TaskContext& context) {
        m_arrived.store(true);
        std::unique_lock lock(m_mutex);
        while (!m_open) {
            if (context.Cancelled()) return false;
            m_cv.wait_for(lock, 1ms);  // cancellation does not notify this cv: re-check it often
        }
        return true;
    }
    bool Arrived() const { return m_arrived.load(); }

private:
    std::mutex m_mutex;
    std::condition_variable m_cv;
    bool m_open = false;
    std::atomic<bool> m_arrived{false};
};

// [SECTION] TaskRunner

TEST(TaskRunner, ResultArrives) {
    TaskRunner runner;
    EXPECT_EQ(runner.Threads(), 1);
    auto task = runner.Submit([](TaskContext&) { return 42; });
    ASSERT_TRUE(task->Wait(kHangGuard));
    EXPECT_TRUE(task->Done());
    EXPECT_FALSE(task->Cancelled());
    EXPECT_FALSE(task->Failed());
    EXPECT_TRUE(task->Error().empty());
    EXPECT_FLOAT_EQ(task->Progress(), 1.0f);
    std::optional<int> result = task->TakeResult();
    ASSERT_TRUE(result.has_value());
    EXPECT_EQ(*result, 42);
    EXPECT_FALSE(task->TakeResult().has_value());  // only once
}

TEST(TaskRunner, ExplicitResultTypeAndStdFunction) {
    TaskRunner runner(0);  // clamped to one thread
    EXPECT_EQ(runner.Threads(), 1);
    std::function<double(TaskContext&)> work = [](TaskContext&) { return 2.5; };
    auto task = runner.Submit<double>(work);
    static_assert(std::is_same_v<decltype(task), std::shared_ptr<lens::Task<double>>>);
    ASSERT_TRUE(task->Wait(kHangGuard));
    EXPECT_EQ(task->TakeResult(), 2.5);
    auto text = runner.Submit<std::string>([](TaskContext&) { return "converted"; });
    ASSERT_TRUE(text->Wait(kHangGuard));
    EXPECT_EQ(text->TakeResult(), std::string("converted"));
}

TEST(TaskRunner, ProgressIsReported) {
    Gate gate;
    TaskRunner runner;
    auto task = runner.Submit([&gate](TaskContext& context) {
        context.SetProgress(0.25f);
        context.SetProgress(7.0f);  // clamped
        context.SetProgress(0.5f);
        return gate.Pass(context);
    });
    ASSERT_TRUE(WaitUntil([&] { return gate.Arrived(); }));
    EXPECT_FLOAT_EQ(task->Progress(), 0.5f);
    EXPECT_FALSE(task->Done());
    EXPECT_TRUE(task->Running());
    EXPECT_FALSE(task->TakeResult().has_value());  // not done yet
    gate.Open();
    ASSERT_TRUE(task->Wait(kHangGuard));
    EXPECT_FLOAT_EQ(task->Progress(), 1.0f);
    EXPECT_EQ(task->TakeResult(), true);
}

TEST(TaskRunner, CancellationStopsALongLoop) {
    std::atomic<bool> started{false};
    std::atomic<bool> stopped_early{false};
    TaskRunner runner;
    auto task = runner.Submit([&](TaskContext& context) {
        started.store(true);
        // Effectively endless unless cancelled.
        for (std::uint64_t i = 0; i < (1ULL << 62); ++i) {
            if (context.Cancelled()) {
                stopped_early.store(true);
                return i;
            }
        }
        return std::uint64_t{0};
    });
    ASSERT_TRUE(WaitUntil([&] { return started.load(); }));
    task->Cancel();
    ASSERT_TRUE(task->Wait(kHangGuard));
    EXPECT_TRUE(stopped_early.load());
    EXPECT_TRUE(task->Cancelled());
    EXPECT_FALSE(task->Failed());
    EXPECT_FALSE(task->TakeResult().has_value());  // a cancelled task's result is discarded
}

TEST(TaskRunner, ThrowIfCancelledIsACancellationNotAnError) {
    std::atomic<bool> started{false};
    TaskRunner runner;
    auto task = runner.Submit([&](TaskContext& context) {
        started.store(true);
        for (;;) context.ThrowIfCancelled();
        return 0;
    });
    ASSERT_TRUE(WaitUntil([&] { return started.load(); }));
    task->Cancel();
    ASSERT_TRUE(task->Wait(kHangGuard));
    EXPECT_TRUE(task->Cancelled());
    EXPECT_FALSE(task->Failed());
    EXPECT_TRUE(task->Error().empty());
}

TEST(TaskRunner, ExceptionsAreCaptured) {
    TaskRunner runner;
    auto boom = runner.Submit([](TaskContext&) -> int { throw std::runtime_error("kernel larger than input"); });
    auto odd = runner.Submit([](TaskContext&) -> int { throw 7; });
    auto after = runner.Submit([](TaskContext&) { return 1; });  // the worker survives
    ASSERT_TRUE(after->Wait(kHangGuard));
    ASSERT_TRUE(boom->Wait(kHangGuard));
    ASSERT_TRUE(odd->Wait(kHangGuard));
    EXPECT_TRUE(boom->Failed());
    EXPECT_EQ(boom->Error(), "kernel larger than input");
    EXPECT_FALSE(boom->TakeResult().has_value());
    EXPECT_TRUE(odd->Failed());
    EXPECT_EQ(odd->Error(), "unknown exception");
    EXPECT_EQ(after->TakeResult(), 1);
}

TEST(TaskRunner, CancelledWhileQueuedNeverRuns) {
    Gate gate;
    TaskRunner runner;
    auto blocker = runner.Submit([&gate](TaskContext& context) { return gate.Pass(context); });
    std::atomic<bool> ran{false};
    auto queued = runner.Submit([&ran](TaskContext&) {
        ran.store(true);
        return 0;
    });
    queued->Cancel();
    EXPECT_TRUE(queued->Done());  // at once: no need to wait for the worker
    EXPECT_TRUE(queued->Wait(0ms));
    gate.Open();
    ASSERT_TRUE(blocker->Wait(kHangGuard));
    auto last = runner.Submit([](TaskContext&) { return 0; });
    ASSERT_TRUE(last->Wait(kHangGuard));  // the worker has passed the cancelled task
    EXPECT_FALSE(ran.load());
    EXPECT_EQ(runner.Queued(), 0u);
}

TEST(TaskRunner, DestructionWhileRunningDoesNotHang) {
    std::atomic<bool> started{false};
    std::atomic<int> queued_ran{0};
    std::shared_ptr<lens::Task<int>> running;
    std::vector<std::shared_ptr<lens::Task<int>>> queued;
    {
        TaskRunner runner;
        running = runner.Submit([&](TaskContext& context) {
            started.store(true);
            while (!context.Cancelled()) std::this_thread::yield();
            return 1;
        });
        for (int i = 0; i < 20; ++i) {
            queued.push_back(runner.Submit([&](TaskContext&) { return ++queued_ran; }));
        }
        ASSERT_TRUE(WaitUntil([&] { return started.load(); }));
    }  // ~TaskRunner cancels and joins
    EXPECT_TRUE(running->Done());
    EXPECT_TRUE(running->Cancelled());
    for (const auto& task : queued) {
        EXPECT_TRUE(task->Done());
        EXPECT_TRUE(task->Cancelled());
    }
    EXPECT_EQ(queued_ran.load(), 0);
}

TEST(TaskRunner, HundredsOfSubmissions) {
    for (int threads : {1, 4}) {
        TaskRunner runner(threads);
        std::vector<std::shared_ptr<lens::Task<long>>> tasks;
        for (long i = 0; i < 500; ++i) tasks.push_back(runner.Submit([i](TaskContext&) { return i * i; }));
        long sum = 0;
        for (auto& task : tasks) {
            ASSERT_TRUE(task->Wait(kHangGuard));
            sum += task->TakeResult().value_or(-1);
        }
        EXPECT_EQ(sum, 499L * 500 * 999 / 6) << threads;
    }
}

TEST(TaskStandalone, DefaultContextRunsWorkSynchronously) {
    TaskContext context;
    EXPECT_FALSE(context.Cancelled());
    context.SetProgress(0.5f);  // dropped, no crash
    EXPECT_NO_THROW(context.ThrowIfCancelled());
    auto work = [](TaskContext& ctx) { return ctx.Cancelled() ? -1 : 3; };
    EXPECT_EQ(work(context), 3);
}

// [SECTION] LatestTask

TEST(TaskLatest, KeepsOldResultWhileNewOneRuns) {
    Gate gate;
    TaskRunner runner;
    LatestTask<int, std::string> latest(runner);
    EXPECT_EQ(latest.Current(), nullptr);
    EXPECT_EQ(latest.CurrentKey(), nullptr);
    EXPECT_FALSE(latest.Busy());
    EXPECT_FLOAT_EQ(latest.Progress(), 0.0f);

    EXPECT_TRUE(latest.Request(1, [](TaskContext&) { return std::string("one"); }));
    EXPECT_TRUE(latest.Busy());
    ASSERT_TRUE(latest.WaitAndPoll(kHangGuard));
    ASSERT_NE(latest.Current(), nullptr);
    EXPECT_EQ(*latest.Current(), "one");
    EXPECT_EQ(*latest.CurrentKey(), 1);
    EXPECT_EQ(latest.Generation(), 1u);
    EXPECT_FLOAT_EQ(latest.Progress(), 1.0f);

    EXPECT_TRUE(latest.Request(2, [&gate](TaskContext& context) {
        context.SetProgress(0.5f);
        gate.Pass(context);
        return std::string("two");
    }));
    ASSERT_TRUE(WaitUntil([&] { return gate.Arrived(); }));
    EXPECT_FALSE(latest.Poll());
    EXPECT_TRUE(latest.Busy());
    EXPECT_FLOAT_EQ(latest.Progress(), 0.5f);
    EXPECT_EQ(*latest.Current(), "one");  // still showing the old result
    EXPECT_EQ(*latest.CurrentKey(), 1);
    ASSERT_NE(latest.PendingKey(), nullptr);
    EXPECT_EQ(*latest.PendingKey(), 2);
    EXPECT_FALSE(latest.Request(2, [](TaskContext&) { return std::string("dup"); }));  // already running

    gate.Open();
    ASSERT_TRUE(latest.WaitAndPoll(kHangGuard));
    EXPECT_EQ(*latest.Current(), "two");
    EXPECT_EQ(*latest.CurrentKey(), 2);
    EXPECT_EQ(latest.Generation(), 2u);
    EXPECT_FALSE(latest.Busy());
    EXPECT_FALSE(latest.Request(2, [](TaskContext&) { return std::string("again"); }));  // already shown
}

TEST(TaskLatest, DiscardsSupersededRequests) {
    Gate never_opened;
    std::atomic<bool> superseded_saw_cancel{false};
    TaskRunner runner;
    LatestTask<int, int> latest(runner);
    ASSERT_TRUE(latest.Request(10, [&](TaskContext& context) {
        if (!never_opened.Pass(context)) superseded_saw_cancel.store(true);
        return 10;
    }));
    ASSERT_TRUE(WaitUntil([&] { return never_opened.Arrived(); }));
    ASSERT_TRUE(latest.Request(20, [](TaskContext&) { return 20; }));
    ASSERT_TRUE(latest.WaitAndPoll(kHangGuard));
    EXPECT_TRUE(superseded_saw_cancel.load());
    ASSERT_NE(latest.Current(), nullptr);
    EXPECT_EQ(*latest.Current(), 20);
    EXPECT_EQ(latest.Generation(), 1u);  // the superseded result was never shown
}

TEST(TaskLatest, RequestingTheShownKeyCancelsTheRunningOne) {
    Gate never_opened;  // declared before the runner: outlives the worker
    std::atomic<bool> saw_cancel{false};
    TaskRunner runner;
    LatestTask<int, int> latest(runner);
    ASSERT_TRUE(latest.Request(1, [](TaskContext&) { return 100; }));
    ASSERT_TRUE(latest.WaitAndPoll(kHangGuard));
    ASSERT_TRUE(latest.Request(2, [&](TaskContext& context) {
        if (!never_opened.Pass(context)) saw_cancel.store(true);
        return 200;
    }));
    ASSERT_TRUE(WaitUntil([&] { return never_opened.Arrived(); }));
    // The slider went back to 1 before 2 finished: nothing new starts, and 2 never shows.
    EXPECT_FALSE(latest.Request(1, [](TaskContext&) { return -1; }));
    EXPECT_FALSE(latest.Busy());
    EXPECT_TRUE(WaitUntil([&] { return saw_cancel.load(); }));
    EXPECT_FALSE(latest.Poll());
    EXPECT_EQ(*latest.Current(), 100);
    EXPECT_EQ(latest.Generation(), 1u);
}

TEST(TaskLatest, ErrorsAreReportedAndNotRetriedEveryFrame) {
    std::atomic<int> attempts{0};
    TaskRunner runner;
    LatestTask<int, int> latest(runner);
    ASSERT_TRUE(latest.Request(1, [](TaskContext&) { return 1; }));
    ASSERT_TRUE(latest.WaitAndPoll(kHangGuard));
    auto failing = [&attempts](TaskContext&) -> int {
        ++attempts;
        throw std::runtime_error("out of memory budget");
    };
    ASSERT_TRUE(latest.Request(2, failing));
    ASSERT_TRUE(latest.WaitAndPoll(kHangGuard));
    EXPECT_EQ(latest.Error(), "out of memory budget");
    EXPECT_EQ(*latest.Current(), 1);  // the last good result stays
    EXPECT_EQ(latest.Generation(), 1u);
    for (int frame = 0; frame < 5; ++frame) EXPECT_FALSE(latest.Request(2, failing));
    EXPECT_EQ(attempts.load(), 1);
    EXPECT_TRUE(latest.Request(3, [](TaskContext&) { return 3; }));  // another key clears the error
    EXPECT_TRUE(latest.Error().empty());
    ASSERT_TRUE(latest.WaitAndPoll(kHangGuard));
    EXPECT_EQ(*latest.Current(), 3);
    EXPECT_EQ(latest.Generation(), 2u);
    latest.Invalidate();  // forget the key: the same key computes again
    EXPECT_TRUE(latest.Request(3, [](TaskContext&) { return 33; }));
    ASSERT_TRUE(latest.WaitAndPoll(kHangGuard));
    EXPECT_EQ(*latest.Current(), 33);
}

TEST(TaskLatest, HundredsOfRequestsShowTheLast) {
    TaskRunner runner;
    LatestTask<int, int> latest(runner);
    for (int key = 0; key < 300; ++key) {
        latest.Request(key, [key](TaskContext& context) {
            int acc = 0;
            for (int i = 0; i < 1000 && !context.Cancelled(); ++i) acc += i % 3;
            return key + acc * 0;
        });
        latest.Poll();  // as a frame loop would
    }
    ASSERT_TRUE(latest.WaitAndPoll(kHangGuard));
    ASSERT_NE(latest.Current(), nullptr);
    EXPECT_EQ(*latest.Current(), 299);
    EXPECT_EQ(*latest.CurrentKey(), 299);
    EXPECT_GE(latest.Generation(), 1u);
    EXPECT_LE(latest.Generation(), 300u);
}

TEST(TaskLatest, DestructionWhileRunningDoesNotHang) {
    std::atomic<bool> saw_cancel{false};
    Gate never_opened;
    TaskRunner runner;
    {
        LatestTask<int, int> latest(runner);
        latest.Request(1, [&](TaskContext& context) {
            if (!never_opened.Pass(context)) saw_cancel.store(true);
            return 1;
        });
        ASSERT_TRUE(WaitUntil([&] { return never_opened.Arrived(); }));
    }  // ~LatestTask cancels without waiting
    EXPECT_TRUE(WaitUntil([&] { return saw_cancel.load(); }));
}

}  // namespace
