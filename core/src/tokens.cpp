// tokens.cpp: text tokenizer, seeded token embeddings, sinusoidal positions and ViT patches.
//
// [SECTION] Helpers
// [SECTION] Positions
// [SECTION] Text tokens
// [SECTION] Image patches
#include "lens/tokens.hpp"

#include "lens/random.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_set>

namespace lens {
namespace {

// [SECTION] Helpers

std::string Num(Index v) { return std::to_string(v); }

void Report(std::vector<SpecIssue>* issues, std::string field, std::string message) {
    if (issues) issues->push_back({std::move(field), std::move(message)});
}

// FNV-1a: a fixed, platform-independent hash (std::hash is neither).
std::uint64_t Fnv1a(std::string_view text) {
    std::uint64_t h = 0xCBF29CE484222325ull;
    for (unsigned char c : text) {
        h ^= c;
        h *= 0x100000001B3ull;
    }
    return h;
}

// Decodes one UTF-8 code point at text[i]; sets `length` (1 for an invalid byte, which then
// stands for itself and returns -1).
long DecodeUtf8(std::string_view text, size_t i, size_t& length) {
    const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char b0 = byte(i);
    length = 1;
    if (b0 < 0x80) return b0;
    size_t n = 0;
    long cp = 0;
    if ((b0 & 0xE0) == 0xC0) {
        n = 2;
        cp = b0 & 0x1F;
    } else if ((b0 & 0xF0) == 0xE0) {
        n = 3;
        cp = b0 & 0x0F;
    } else if ((b0 & 0xF8) == 0xF0) {
        n = 4;
        cp = b0 & 0x07;
    } else {
        return -1;
    }
    if (i + n > text.size()) return -1;
    for (size_t k = 1; k < n; ++k) {
        if ((byte(i + k) & 0xC0) != 0x80) return -1;
        cp = (cp << 6) | (byte(i + k) & 0x3F);
    }
    length = n;
    return cp;
}

enum class CharClass { Space, Punct, Word };

// BERT's BasicTokenizer classes, restricted to what needs no Unicode tables: ASCII, the CJK
// ideograph blocks it lists, CJK and fullwidth punctuation, general punctuation.
CharClass Classify(long cp) {
    if (cp < 0) return CharClass::Word;  // an invalid byte stays inside its word
    if (cp <= 0x20 || cp == 0x7F || cp == 0x3000 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x00A0) return CharClass::Space;
    if (cp < 0x80) {
        const bool alnum = (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
        return alnum ? CharClass::Word : CharClass::Punct;
    }
    const bool cjk = (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF) ||
                     (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F) ||
                     (cp >= 0x2B820 && cp <= 0x2CEAF) || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
    const bool punct = (cp >= 0x2010 && cp <= 0x2027) || (cp >= 0x2030 && cp <= 0x205E) || (cp >= 0x3001 && cp <= 0x303F) ||
                       (cp >= 0xFF01 && cp <= 0xFF0F) || (cp >= 0xFF1A && cp <= 0xFF20) || (cp >= 0xFF3B && cp <= 0xFF40) ||
                       (cp >= 0xFF5B && cp <= 0xFF65);
    return (cjk || punct) ? CharClass::Punct : CharClass::Word;
}

}  // namespace

// [SECTION] Positions

void AddSinusoidalPositions(RowMatrixF& x) {
    const Index d = x.cols();
    // Frequencies depend on the feature pair only: computed once, in double for the large angles.
    std::vector<double> inv_freq(static_cast<size_t>((d + 1) / 2));
    for (Index i = 0; i < static_cast<Index>(inv_freq.size()); ++i) {
        inv_freq[static_cast<size_t>(i)] = std::pow(10000.0, -2.0 * static_cast<double>(i) / static_cast<double>(d));
    }
    for (Index n = 0; n < x.rows(); ++n) {
        for (Index f = 0; f < d; ++f) {
            const double angle = static_cast<double>(n) * inv_freq[static_cast<size_t>(f / 2)];
            x(n, f) += static_cast<float>(f % 2 == 0 ? std::sin(angle) : std::cos(angle));
        }
    }
}

// [SECTION] Text tokens

std::optional<std::vector<TextToken>> TokenizeText(std::string_view text, bool lowercase, std::string* error, Index max_tokens) {
    if (static_cast<Index>(text.size()) > kMaxTextBytes) {
        if (error) *error = "the text has " + FormatExact(static_cast<Count>(text.size())) + " bytes; at most " +
                            FormatExact(kMaxTextBytes) + " are tokenized";
        return std::nullopt;
    }
    std::vector<TextToken> tokens;
    Index word_begin = -1;
    auto emit = [&](Index begin, Index end) -> bool {
        if (static_cast<Index>(tokens.size()) >= max_tokens) return false;
        TextToken t;
        t.text.assign(text.substr(static_cast<size_t>(begin), static_cast<size_t>(end - begin)));
        if (lowercase) {
            for (char& c : t.text)
                if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        }
        t.begin = begin;
        t.end = end;
        tokens.push_back(std::move(t));
        return true;
    };
    auto too_many = [&]() {
        if (error) *error = "the text has more than " + FormatExact(max_tokens) + " tokens (the limit); shorten it";
        return std::nullopt;
    };
    size_t i = 0;
    while (i < text.size()) {
        size_t length = 1;
        const CharClass cls = Classify(DecodeUtf8(text, i, length));
        const Index at = static_cast<Index>(i);
        if (cls == CharClass::Word) {
            if (word_begin < 0) word_begin = at;
        } else {
            if (word_begin >= 0 && !emit(word_begin, at)) return too_many();
            word_begin = -1;
            if (cls == CharClass::Punct && !emit(at, at + static_cast<Index>(length))) return too_many();
        }
        i += length;
    }
    if (word_begin >= 0 && !emit(word_begin, static_cast<Index>(text.size()))) return too_many();
    return tokens;
}

std::vector<float> TokenEmbedding(std::string_view token, Index width, std::uint64_t seed) {
    if (width < 1 || width > kMaxTokenWidth) return {};
    std::uint64_t state = seed ^ Fnv1a(token);
    SplitMix64(state);  // decorrelate nearby seeds before the first draw
    std::vector<float> v(static_cast<size_t>(width));
    Gaussian gaussian(state);
    for (float& x : v) x = static_cast<float>(gaussian.Next());
    return v;
}

std::vector<SpecIssue> Validate(const TextTokensSpec& spec) {
    std::vector<SpecIssue> issues;
    if (spec.width < 1 || spec.width > kMaxTokenWidth) {
        Report(&issues, "d_model", "the token width d must be between 1 and " + FormatExact(kMaxTokenWidth) + " (got " + Num(spec.width) + ")");
    }
    return issues;
}

std::optional<TokenSet> TextTokens(std::string_view text, const TextTokensSpec& spec, std::vector<SpecIssue>* issues) {
    std::vector<SpecIssue> problems = Validate(spec);
    if (!problems.empty()) {
        if (issues) issues->insert(issues->end(), problems.begin(), problems.end());
        return std::nullopt;
    }
    // Bound N before tokenizing so that N * d never exceeds the budget.
    const Index max_tokens = std::min<Index>(kMaxTokens, kMaxTokenEntries / spec.width);
    std::string error;
    std::optional<std::vector<TextToken>> tokens = TokenizeText(text, spec.lowercase, &error, max_tokens);
    if (!tokens) {
        const bool capped_by_width = max_tokens < kMaxTokens && static_cast<Index>(text.size()) <= kMaxTextBytes;
        if (capped_by_width) {
            error += " (at width d = " + FormatExact(spec.width) + ", N * d is capped at " + FormatExact(kMaxTokenEntries) + " values)";
        }
        Report(issues, "text", error);
        return std::nullopt;
    }
    if (tokens->empty()) {
        Report(issues, "text", "the text has no tokens: type a word");
        return std::nullopt;
    }
    TokenSet set;
    const Index n = static_cast<Index>(tokens->size());
    set.x.resize(n, spec.width);
    set.labels.reserve(static_cast<size_t>(n));
    set.text_begin.reserve(static_cast<size_t>(n));
    set.text_end.reserve(static_cast<size_t>(n));
    std::unordered_set<std::string> seen;
    for (Index r = 0; r < n; ++r) {
        const TextToken& t = (*tokens)[static_cast<size_t>(r)];
        const std::vector<float> e = TokenEmbedding(t.text, spec.width, spec.seed);
        set.x.row(r) = Eigen::Map<const Eigen::RowVectorXf>(e.data(), spec.width);
        set.labels.push_back(t.text);
        set.text_begin.push_back(t.begin);
        set.text_end.push_back(t.end);
        seen.insert(t.text);
    }
    set.distinct = static_cast<Index>(seen.size());
    if (spec.positions) AddSinusoidalPositions(set.x);
    return set;
}

// [SECTION] Image patches

std::vector<SpecIssue> Validate(const PatchTokensSpec& spec) {
    std::vector<SpecIssue> issues;
    if (spec.patch < 1 || spec.patch > kMaxPatch) {
        Report(&issues, "patch", "the patch side P must be between 1 and " + Num(kMaxPatch) + " px (got " + Num(spec.patch) + ")");
    }
    return issues;
}

std::optional<TokenSet> PatchGridOf(Index width, Index height, const PatchTokensSpec& spec, std::vector<SpecIssue>* issues) {
    std::vector<SpecIssue> problems = Validate(spec);
    if (!problems.empty()) {
        if (issues) issues->insert(issues->end(), problems.begin(), problems.end());
        return std::nullopt;
    }
    if (width < 1 || height < 1) {
        Report(issues, "image", "there is no image to cut into patches");
        return std::nullopt;
    }
    const Index p = spec.patch;
    if (p > width || p > height) {
        Report(issues, "patch", "the patch (" + Num(p) + " x " + Num(p) + " px) is larger than the image (" + Num(width) +
                                    " x " + Num(height) + " px): choose a patch of at most " + Num(std::min(width, height)) + " px");
        return std::nullopt;
    }
    const std::optional<PatchGeometry> g = ComputePatchGrid(height, width, p, p, spec.fit);  // P <= both sides: always set
    TokenSet set;
    set.patch = p;
    set.grid_cols = g->patches_w;
    set.grid_rows = g->patches_h;
    set.covered_width = g->w.extent;
    set.covered_height = g->h.extent;
    set.pad_right = g->w.pad;
    set.pad_bottom = g->h.pad;
    set.crop_right = g->w.crop;
    set.crop_bottom = g->h.crop;
    // Sides are at most 2^31 (Image uses int) and P >= 1, so the grid product fits in 64 bits.
    const Count tokens = set.grid_rows * set.grid_cols;
    const Index token_width = p * p * 3;
    if (tokens > kMaxTokens) {
        Report(issues, "patch", FormatExact(tokens) + " patches (" + Num(set.grid_cols) + " x " + Num(set.grid_rows) +
                                    ") exceed the limit of " + FormatExact(kMaxTokens) + " tokens: choose a larger patch or a smaller image");
        return std::nullopt;
    }
    if (tokens * token_width > kMaxTokenEntries) {
        Report(issues, "patch", FormatExact(tokens) + " tokens of " + FormatExact(token_width) + " values exceed the limit of " +
                                    FormatExact(kMaxTokenEntries) + " values");
        return std::nullopt;
    }
    return set;
}

std::optional<TokenSet> PatchTokens(const Image& image, const PatchTokensSpec& spec, std::vector<SpecIssue>* issues) {
    const Index width = image.Empty() ? 0 : image.width, height = image.Empty() ? 0 : image.height;
    if (!image.Empty() && image.rgb.size() != static_cast<size_t>(width) * static_cast<size_t>(height) * 3) {
        Report(issues, "image", "the image's pixel data does not match its size");
        return std::nullopt;
    }
    std::optional<TokenSet> set = PatchGridOf(width, height, spec, issues);
    if (!set) return std::nullopt;
    const Index p = spec.patch;
    const std::optional<PatchGeometry> g = ComputePatchGrid(height, width, p, p, spec.fit);
    set->x.setZero(g->tokens, g->token_dim);  // zero: the padding value
    CutPatchTokens(image, *g, PatchTokenFormat{spec.order, spec.range}, set->x);
    set->labels.reserve(static_cast<size_t>(set->x.rows()));
    for (Index gr = 0; gr < set->grid_rows; ++gr)
        for (Index gc = 0; gc < set->grid_cols; ++gc) set->labels.push_back("patch (r=" + Num(gr) + ", c=" + Num(gc) + ")");
    if (spec.positions) AddSinusoidalPositions(set->x);
    return set;
}

}  // namespace lens
