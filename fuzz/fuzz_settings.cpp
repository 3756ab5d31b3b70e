// fuzz/fuzz_settings.cpp: lens::app::LoadSettings on any bytes (never throws; an accepted file is a
// JSON object), then saving it back (dump must not throw on invalid UTF-8).
#include <settings.hpp>

#include <filesystem>

#include "fuzz_memfd.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // A corrupt file is renamed aside; a memfd path cannot be renamed, which the loader reports.
    lens::app::SettingsFile settings = lens::app::LoadSettings(FuzzFile(data, size));
    if (!settings.json.is_object()) __builtin_trap();
    (void)lens::app::RememberedLanguage(settings);
    const std::string text = settings.json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
    (void)text;
    return 0;
}
