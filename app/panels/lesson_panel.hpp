// app/panels/lesson_panel.hpp: the base of a panel that is a view over one core lesson. It owns,
// once for every such panel, what each used to write for itself: the Spec, the latest background
// task keyed on the Spec (and the image when the lesson reads it), busy state and progress, key
// validation, and the export (the lesson's VisitFigures into the ExportSink). The panel declares
// its fields and only lays out and draws.
//
// `Lesson` is a core lesson: a struct naming the types and static functions
//     using Spec = ...; using Result = ...;
//     static std::vector<SpecIssue> Issues(const Spec&);
//     static Result Compute(const Spec&, const std::shared_ptr<const Image>&, TaskContext&);
//     static void VisitFigures(const Result&, FigureVisitor&);
// Static, so a worker thread never touches the panel.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <lens/figures.hpp>
#include <lens/spec.hpp>
#include <lens/task.hpp>

#include "../app_context.hpp"
#include "../export.hpp"
#include "panel.hpp"

namespace lens::app {

template <class Lesson>
class LessonPanel : public Panel {
public:
    using Spec = typename Lesson::Spec;
    using Result = typename Lesson::Result;

    bool Busy() const override { return m_task && m_task->Busy(); }
    float Progress() const override { return m_task ? m_task->Progress() : 0.0f; }
    std::string ValidateKeys() override { return JoinIssues(Lesson::Issues(m_spec)); }

    // Computes the lesson synchronously (no window) and writes its figures.
    void Export(AppContext& context, ExportSink& sink) override {
        Panel::Export(context, sink);
        if (!Lesson::Issues(m_spec).empty()) return;
        TaskContext task_context;
        const Result result = Lesson::Compute(m_spec, context.image, task_context);
        Lesson::VisitFigures(result, sink);
    }

protected:
    // Requests the result for the current Spec (when valid) and returns the latest finished one,
    // possibly for an earlier Spec while the new one computes; null before the first finishes.
    const Result* Latest(AppContext& context) {
        if (!m_task) m_task = std::make_unique<LatestTask<Key, Result>>(*context.tasks);
        if (Lesson::Issues(m_spec).empty()) {
            Key key{m_spec, context.image_version};
            m_task->Request(key, [spec = m_spec, image = context.image](TaskContext& task_context) {
                return Lesson::Compute(spec, image, task_context);
            });
        }
        m_task->Poll();
        return m_task->Current();
    }
    // Bumps whenever a new result is shown (texture caches compare it).
    std::uint64_t Generation() const { return m_task ? m_task->Generation() : 0; }
    // The last computation's error, "" when none.
    std::string Error() const { return m_task ? m_task->Error() : std::string(); }
    // The Spec's problems (for the editors).
    std::vector<SpecIssue> Issues() const { return Lesson::Issues(m_spec); }

    Spec m_spec{};

private:
    struct Key {
        Spec spec;
        std::uint64_t image_version = 0;
        bool operator==(const Key&) const = default;
    };
    std::unique_ptr<LatestTask<Key, Result>> m_task;
};

}  // namespace lens::app
