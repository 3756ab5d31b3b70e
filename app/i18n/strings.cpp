#include "strings.hpp"

#include <algorithm>
#include <atomic>

namespace lens::i18n {
namespace {

struct Entry {
    const char* name;
    const char* text[kLanguageCount];
};

constexpr Entry kTable[] = {
#define LENS_STRING(id, en, zh) {#id, {en, zh}},
#include "strings_table.inc"
#undef LENS_STRING
};
static_assert(sizeof(kTable) / sizeof(kTable[0]) == kStringCount);

std::atomic<int> g_language{0};

// Decodes UTF-8; invalid bytes are skipped (the table is ours, a test checks it is valid).
void AppendCodePoints(const char* text, std::u32string& out) {
    const auto* p = reinterpret_cast<const unsigned char*>(text);
    while (*p) {
        char32_t cp = 0;
        int extra = 0;
        if (*p < 0x80) {
            cp = *p;
        } else if ((*p & 0xE0) == 0xC0) {
            cp = *p & 0x1F;
            extra = 1;
        } else if ((*p & 0xF0) == 0xE0) {
            cp = *p & 0x0F;
            extra = 2;
        } else if ((*p & 0xF8) == 0xF0) {
            cp = *p & 0x07;
            extra = 3;
        } else {
            ++p;
            continue;
        }
        ++p;
        for (int i = 0; i < extra && *p; ++i, ++p) cp = (cp << 6) | (*p & 0x3F);
        if (cp >= 0x80) out.push_back(cp);
    }
}

}  // namespace

const char* TextIn(S id, Language language) {
    auto index = static_cast<std::size_t>(id);
    if (index >= kStringCount) return "?";
    return kTable[index].text[static_cast<int>(language)];
}

const char* Tr(S id) { return TextIn(id, static_cast<Language>(g_language.load(std::memory_order_relaxed))); }

const char* Name(S id) {
    auto index = static_cast<std::size_t>(id);
    return index < kStringCount ? kTable[index].name : "?";
}

void SetLanguage(Language language) { g_language.store(static_cast<int>(language), std::memory_order_relaxed); }
Language CurrentLanguage() { return static_cast<Language>(g_language.load(std::memory_order_relaxed)); }

bool ParseLanguageCode(std::string_view code, Language* out) {
    if (code == "en" || code == "en-US" || code == "english") {
        *out = Language::English;
        return true;
    }
    if (code == "zh-TW" || code == "zh_TW" || code == "zh-Hant" || code == "zh") {
        *out = Language::TraditionalChinese;
        return true;
    }
    return false;
}

const char* LanguageCode(Language language) { return language == Language::English ? "en" : "zh-TW"; }

std::u32string CodePointsUsed(Language language) {
    std::u32string points;
    for (const Entry& entry : kTable) AppendCodePoints(entry.text[static_cast<int>(language)], points);
    std::sort(points.begin(), points.end());
    points.erase(std::unique(points.begin(), points.end()), points.end());
    return points;
}

}  // namespace lens::i18n
