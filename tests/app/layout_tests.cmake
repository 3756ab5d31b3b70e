# Layout (issue 14): every panel, preset and tab at 1280x800 and 1366x768, in both languages, with
# `--layout-check` (no number cut, nothing off the window); one CTest entry per language and size
# so that two cores share them. The screenshots stay in out/layout/ to be looked at. And the check
# itself can fail: a window too narrow for the Block table's numbers must be caught.
if(XVFB_RUN)
  foreach(lang en zh-TW)
    foreach(size 1280x800 1366x768)
      lens_app_test(app_layout_${lang}_${size} ${CMAKE_CURRENT_SOURCE_DIR}/layout_check.sh
                    ${CMAKE_CURRENT_SOURCE_DIR}/layout_cases.txt ${OUT}/layout ${lang} ${size})
      # 36 renders (about 1 s of CPU each): generous for a loaded machine.
      set_tests_properties(app_layout_${lang}_${size} PROPERTIES TIMEOUT 600)
    endforeach()
  endforeach()
  lens_app_test(app_layout_check_catches_cut ${EXPECT} 6 "cut number" --
                xvfb-run -a -s "-screen 0 1920x1080x24" ${ML} --panel block --size 700x500 --layout-check)
endif()

# The one wrapping routine, with a real ImGui font atlas (no window needed).
add_executable(app_paragraph_tests test_paragraph.cpp ${PROJECT_SOURCE_DIR}/app/widgets/paragraph.cpp)
target_include_directories(app_paragraph_tests PRIVATE ${PROJECT_SOURCE_DIR}/app)
target_include_directories(app_paragraph_tests SYSTEM PRIVATE /usr/include/imgui)
target_link_libraries(app_paragraph_tests PRIVATE PkgConfig::IMGUI GTest::gtest_main lens_warnings)
gtest_discover_tests(app_paragraph_tests DISCOVERY_TIMEOUT 60 PROPERTIES LABELS app)
