# Issue 15 ("nothing lost, nothing stuck"): checked atomic writes, robust settings, real error
# reasons, output-path rules. Included from tests/app/CMakeLists.txt (uses its lens_app_test, ML,
# EXPECT, OUT).
add_executable(app_settings_tests test_settings.cpp)
target_link_libraries(app_settings_tests PRIVATE lens_app_logic GTest::gtest_main lens_warnings)
gtest_discover_tests(app_settings_tests DISCOVERY_TIMEOUT 60 PROPERTIES LABELS app TIMEOUT 30)

set(REL ${OUT}/rel)
file(MAKE_DIRECTORY ${REL})
set(REL_SH ${CMAKE_CURRENT_SOURCE_DIR}/reliability.sh)

# Images: the real reason is shown with the category; a top-down BMP loads; declared sizes over
# the limits are refused with the numbers.
lens_app_test(app_rel_image_directory ${EXPECT} 4 "cannot be read.*directory" -- ${ML} --image ${REL} --export ${REL}/never)
lens_app_test(app_rel_image_huge_png ${REL_SH} huge_png ${ML} ${REL} ${EXPECT})
lens_app_test(app_rel_image_topdown_bmp ${REL_SH} topdown_bmp ${ML} ${REL} ${EXPECT})
# .npy weights: a NUL in the header is shown, not a cut message; unusable weights exit 4.
lens_app_test(app_rel_npy_nul ${REL_SH} npy_nul ${ML} ${REL} ${EXPECT})
# Two outputs on one path; --screenshot never overwrites without --force.
lens_app_test(app_rel_same_output ${EXPECT} 2 "same file" -- ${ML} --panel about --figure ${REL}/same.png
              --screenshot ${REL}/./same.png)
if(XVFB_RUN)
  lens_app_test(app_rel_screenshot_no_overwrite ${REL_SH} no_overwrite ${ML} ${REL} ${EXPECT})
  # Writes that fail: /dev/full is a device (never replaced), and a file-size limit hit half-way
  # (ulimit -f, SIGXFSZ ignored) gives exit 5 and leaves neither a truncated file nor a temporary.
  lens_app_test(app_rel_screenshot_dev_full ${EXPECT} 5 "character device" -- xvfb-run -a ${ML} --panel about --force
                --screenshot /dev/full)
  lens_app_test(app_rel_screenshot_half_way ${REL_SH} half_way_screenshot ${ML} ${REL} ${EXPECT})
  lens_app_test(app_rel_figure_half_way ${REL_SH} half_way_figure ${ML} ${REL} ${EXPECT})
  # Settings: a directory, a FIFO (guarded by timeout), garbage: a warning, never a crash or a hang.
  lens_app_test(app_rel_settings_files ${REL_SH} settings ${ML} ${REL} ${EXPECT})
endif()
lens_app_test(app_rel_export_half_way ${REL_SH} half_way_export ${ML} ${REL} ${EXPECT})
# A value the user never typed is named as a default, not blamed as if typed.
lens_app_test(app_rel_default_named ${EXPECT} 2 "rank_b: .*\\(default 5, not set on the command line\\)" -- ${ML} --panel matmul
              --set p=1 --export ${REL}/never)
# Slow paths are capped with the limit named (matmul 2048^3 at full rank was 29 s).
lens_app_test(app_rel_matmul_cap ${EXPECT} 2 "m: .*more than the limit of 6,000,000,000" -- ${ML} --panel matmul --set m=2048
              --set n=2048 --set p=2048 --set rank_a=2048 --set rank_b=2048 --export ${REL}/never)
lens_app_test(app_rel_concat_cap ${EXPECT} 2 "height: .*more than the limit of 5,000,000,000" -- ${ML} --panel concat
              --set in_channels=64 --set channels_a=64 --set channels_b=64 --set out_channels=64 --set height=256 --set width=256
              --set kernel=15 --export ${REL}/never)
# Messages name keys, not core field names (padding_mode is the key padding).
lens_app_test(app_rel_key_names ${EXPECT} 2 "'conv': padding: padding 'same'" -- ${ML} --panel conv --set padding=same
              --set stride=2 --export ${REL}/never)
