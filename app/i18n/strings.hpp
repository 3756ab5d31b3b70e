// app/i18n/strings.hpp: the one table of user-facing strings, English and Traditional Chinese.
// Every string the UI shows comes from here (numbers and identifiers excepted). Entries are
// printf formats where they take arguments; both languages must use the same conversions in
// the same order (a unit test checks it).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace lens::i18n {

enum class Language { English = 0, TraditionalChinese = 1 };
inline constexpr int kLanguageCount = 2;

enum class S : int {
#define LENS_STRING(id, en, zh) id,
#include "strings_table.inc"
#undef LENS_STRING
    Count_
};
inline constexpr std::size_t kStringCount = static_cast<std::size_t>(S::Count_);

// The current language's text for `id`. Never null. Thread-compatible (set from the UI thread).
const char* Tr(S id);
// The text in a given language, regardless of the current one.
const char* TextIn(S id, Language language);
// The symbolic name of an entry ("MenuFile"), for tests and diagnostics.
const char* Name(S id);

void SetLanguage(Language language);
Language CurrentLanguage();
// "en" / "zh-TW" <-> Language; false for an unknown code.
bool ParseLanguageCode(std::string_view code, Language* out);
const char* LanguageCode(Language language);

// Every distinct Unicode code point above ASCII used by the table in `language` (sorted),
// so the font atlas holds only the glyphs the UI can show.
std::u32string CodePointsUsed(Language language);

}  // namespace lens::i18n
