// lens/memo.hpp: recompute only when the inputs changed.
// A panel keys its analysis on the Spec's value (plus the image's version), not on the bool a
// slider returns, so presets, loads and undo count as changes too. Generation() lets a consumer
// (a texture cache) ask "is what I uploaded still the current value?" without comparing values.
// Not thread-safe: use from one thread (the UI thread); long work belongs in a task (task.hpp).
#pragma once

#include <concepts>
#include <cstdint>
#include <optional>
#include <type_traits>
#include <utility>

namespace lens {

template <class Key, class Value>
    requires std::equality_comparable<Key>
class Memo {
public:
    // The cached Value for `key`, computing it first when nothing is cached, Invalidate() was
    // called, or key != the last key. `compute` is called as compute(key) if that is valid, else
    // as compute(); it returns a Value. If it throws, the memo is left as it was. The reference
    // stays valid until the next Get, Invalidate or destruction.
    template <class F>
    const Value& Get(const Key& key, F&& compute) {
        if (!m_value || m_stale || !(*m_key == key)) {
            // Build first, assign after: an exception leaves the old key and value in place.
            Value fresh = Call(std::forward<F>(compute), key);
            m_value.emplace(std::move(fresh));
            m_key.emplace(key);
            m_stale = false;
            ++m_generation;
        }
        return *m_value;
    }

    // True when a value is cached (it may be stale after Invalidate()).
    bool Has() const { return m_value.has_value(); }
    // The cached value, or nullptr; never computes.
    const Value* Peek() const { return m_value ? &*m_value : nullptr; }
    // The key of the cached value, or nullptr.
    const Key* PeekKey() const { return m_key ? &*m_key : nullptr; }
    // Forces the next Get to recompute, even for the same key. The old value stays readable through
    // Peek() until then (a panel can keep drawing it).
    void Invalidate() { m_stale = true; }
    // Number of computations so far: 0 before the first, 1 after it. Changes exactly when Get
    // stores a new value.
    std::uint64_t Generation() const { return m_generation; }

private:
    template <class F>
    static Value Call(F&& compute, const Key& key) {
        if constexpr (std::is_invocable_v<F, const Key&>) {
            return std::forward<F>(compute)(key);
        } else {
            return std::forward<F>(compute)();
        }
    }

    std::optional<Key> m_key;
    std::optional<Value> m_value;
    bool m_stale = false;
    std::uint64_t m_generation = 0;
};

}  // namespace lens
