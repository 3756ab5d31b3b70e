# App tests of the Swin panel (included by tests/app/CMakeLists.txt; its variables and the
# lens_app_test function are in scope).
#
# Swin-T at 224 (published-counts.md): 56 x 56 patches of 4 px, windows of 7 x 7 = 49 tokens, 8 x 8 = 64
# windows, shift floor(7/2) = 3, 28,288,354 parameters and 4,490,566,656 MACs; the hierarchy
# 56 -> 28 -> 14 -> 7, where the last stage is one window and so is not shifted (torchvision's rule).
lens_app_test(app_export_swin_t sh -c "rm -rf ${OUT}/sw1 && ${ML} --panel swin --export ${OUT}/sw1 && ${CHECK} ${OUT}/sw1 variant=swin_t grid_h=56 grid_w=56 padded_h=56 padded_w=56 windows=64 tokens_per_window=49 shift_size=3 parameters=28288354 macs=4490566656 relative_bias_parameters=23322 window_index=63 regions_in_window=4 query_attention_other_regions=0 stage_grid_h=56,28,14,7 stage_windows=64,16,4,1 stage_shift=3,3,3,0 stage_channels=96,192,384,768 stage_heads=3,6,12,24 npy:mask=64,49,49 npy:relative_position_index=49,49 npy:region_labels=56,56 npy:window_attention=49,49")
# chelsea.png at its own size (451 x 300): the core floors like torchvision's stride-4 convolution,
# 112 x 75 patches (3 px dropped at the right); 75 rows pad to 77 for the windows: 16 x 11 = 176. The
# parameters do not depend on the image; the MACs do. Merging pads odd sides: 75 -> 38 -> 19 -> 10.
lens_app_test(app_export_swin_chelsea sh -c "rm -rf ${OUT}/sw2 && ${ML} --panel swin --image ${PROJECT_SOURCE_DIR}/assets/chelsea.png --set resize=0 --export ${OUT}/sw2 && ${CHECK} ${OUT}/sw2 image_w=451 image_h=300 grid_w=112 grid_h=75 crop_right=3 crop_bottom=0 padded_w=112 padded_h=77 windows=176 tokens_per_window=49 shift_size=3 parameters=28288354 stage_grid_h=75,38,19,10 stage_grid_w=112,56,28,14 stage_padded_h=77,42,21,14 stage_windows=176,48,12,4 npy:region_labels=77,112 npy:mask=176,49,49")
# The same image padded instead: 113 x 75 patches (1 px of zeros at the right), 119 x 77 padded.
lens_app_test(app_export_swin_chelsea_pad sh -c "rm -rf ${OUT}/sw3 && ${ML} --panel swin --image ${PROJECT_SOURCE_DIR}/assets/chelsea.png --set resize=0 --set fit=pad --export ${OUT}/sw3 && ${CHECK} ${OUT}/sw3 grid_w=113 grid_h=75 pad_right_px=1 padded_w=119 padded_h=77 windows=187 npy:region_labels=77,119")
# A window larger than the grid is not an error: 32 px is an 8 x 8 grid, padded up to one 12 x 12
# window, and a grid that fits in one window is not shifted.
lens_app_test(app_export_swin_window_larger sh -c "rm -rf ${OUT}/sw4 && ${ML} --panel swin --set resize=32 --set window=12 --export ${OUT}/sw4 && ${CHECK} ${OUT}/sw4 grid_h=8 grid_w=8 padded_h=12 padded_w=12 windows=1 tokens_per_window=144 shift_size=0 regions_in_window=1 npy:mask=1,144,144 npy:relative_position_index=144,144 npy:region_labels=12,12")
# Regular windows: no shift, one region per window.
lens_app_test(app_export_swin_regular sh -c "rm -rf ${OUT}/sw5 && ${ML} --panel swin --set shift=0 --export ${OUT}/sw5 && ${CHECK} ${OUT}/sw5 shift_size=0 windows=64 regions_in_window=1 npy:mask=64,49,49")
# The last stage at 224: one 7 x 7 window, no shift.
lens_app_test(app_export_swin_stage4 sh -c "rm -rf ${OUT}/sw6 && ${ML} --panel swin --set stage=3 --export ${OUT}/sw6 && ${CHECK} ${OUT}/sw6 stage=3 grid_h=7 grid_w=7 windows=1 shift_size=0 npy:mask=1,49,49")
# The other variants (torchvision's swin_s and swin_b).
lens_app_test(app_export_swin_s sh -c "rm -rf ${OUT}/sw7 && ${ML} --panel swin --set variant=s --export ${OUT}/sw7 && ${CHECK} ${OUT}/sw7 variant=swin_s parameters=49606258")
lens_app_test(app_export_swin_b sh -c "rm -rf ${OUT}/sw8 && ${ML} --panel swin --set variant=b --export ${OUT}/sw8 && ${CHECK} ${OUT}/sw8 variant=swin_b parameters=87768224 stage_channels=128,256,512,1024")
# Bad input: a message and exit 2, before anything of the refused size is allocated.
lens_app_test(app_swin_zero_window ${EXPECT} 2 "window.*out of range" -- ${ML} --panel swin --set window=0 --export ${OUT}/never)
lens_app_test(app_swin_negative_window ${EXPECT} 2 "window.*out of range" -- ${ML} --panel swin --set window=-7 --export ${OUT}/never)
lens_app_test(app_swin_zero_patch ${EXPECT} 2 "patch.*out of range" -- ${ML} --panel swin --set patch=0 --export ${OUT}/never)
lens_app_test(app_swin_absurd_resize ${EXPECT} 2 "resize.*out of range" -- ${ML} --panel swin --set resize=1000000 --export ${OUT}/never)
lens_app_test(app_swin_huge_grid ${EXPECT} 2 "padded grid .* exceeds" -- ${ML} --panel swin --set resize=4096 --export ${OUT}/never)
lens_app_test(app_swin_patch_too_large ${EXPECT} 2 "larger than the image" -- ${ML} --panel swin --set resize=32 --set patch=64 --export ${OUT}/never)
lens_app_test(app_swin_patch_too_large_own ${EXPECT} 2 "larger than the image" -- ${ML} --panel swin --set resize=0 --set patch=400 --image ${PROJECT_SOURCE_DIR}/assets/chelsea.png --export ${OUT}/never)
lens_app_test(app_swin_bad_window_index ${EXPECT} 2 "window_index" -- ${ML} --panel swin --set window_index=64 --export ${OUT}/never)
lens_app_test(app_swin_bad_variant ${EXPECT} 2 "t\\|s\\|b\\|l" -- ${ML} --panel swin --set variant=xl --export ${OUT}/never)
if(XVFB_RUN)
  # Regular windows, shifted windows (region colours, before and after the roll), the mask tab, the
  # merging tab, the stage table: on both bundled images and in both languages.
  foreach(lang en zh-TW)
    foreach(image astronaut chelsea)
      if(image STREQUAL "chelsea")
        set(_image --image ${PROJECT_SOURCE_DIR}/assets/chelsea.png --set resize=0)
      else()
        set(_image)
      endif()
      lens_app_test(app_screenshot_swin_regular_${image}_${lang} ${SHOT} ${OUT}/swin_regular_${image}_${lang}.png --min-colors 60 --
                    --panel swin ${_image} --set shift=0 --lang ${lang} --size 1600x1000)
      lens_app_test(app_screenshot_swin_shifted_${image}_${lang} ${SHOT} ${OUT}/swin_shifted_${image}_${lang}.png --min-colors 60
                    --differs ${OUT}/swin_regular_${image}_${lang}.png --
                    --panel swin ${_image} --set shift=1 --set roll=1 --lang ${lang} --size 1600x1000)
      set_tests_properties(app_screenshot_swin_shifted_${image}_${lang} PROPERTIES DEPENDS app_screenshot_swin_regular_${image}_${lang})
      lens_app_test(app_screenshot_swin_mask_${image}_${lang} ${SHOT} ${OUT}/swin_mask_${image}_${lang}.png --min-colors 60 --
                    --panel swin ${_image} --set view=mask --lang ${lang} --size 1600x1000)
      lens_app_test(app_screenshot_swin_merging_${image}_${lang} ${SHOT} ${OUT}/swin_merging_${image}_${lang}.png --min-colors 60 --
                    --panel swin ${_image} --set view=merging --lang ${lang} --size 1600x1000)
    endforeach()
    lens_app_test(app_screenshot_swin_stages_${lang} ${SHOT} ${OUT}/swin_stages_${lang}.png --min-colors 30 --
                  --panel swin --set view=stages --lang ${lang} --size 1600x1000)
  endforeach()
  # Halfway through the roll, at the small window size: the image wraps around; the controls reflow.
  lens_app_test(app_screenshot_swin_rolling ${SHOT} ${OUT}/swin_rolling.png --min-colors 60 --differs ${OUT}/swin_shifted_astronaut_en.png --
                --panel swin --set roll=0.5 --lang en --size 1280x800)
  set_tests_properties(app_screenshot_swin_rolling PROPERTIES DEPENDS app_screenshot_swin_shifted_astronaut_en)
  # Before the roll: the shifted windows drawn on the image as it is.
  lens_app_test(app_screenshot_swin_before_roll ${SHOT} ${OUT}/swin_before_roll.png --min-colors 60 --differs ${OUT}/swin_shifted_astronaut_en.png --
                --panel swin --set roll=0 --lang en --size 1600x1000)
  set_tests_properties(app_screenshot_swin_before_roll PROPERTIES DEPENDS app_screenshot_swin_shifted_astronaut_en)
  # A window larger than the grid (one padded window, no shift), the last stage, the gather operator,
  # seeded against identity projections: each renders.
  lens_app_test(app_screenshot_swin_window_larger ${SHOT} ${OUT}/swin_window_larger.png --min-colors 40 --
                --panel swin --set resize=32 --set window=12 --set view=mask --lang en --size 1600x1000)
  lens_app_test(app_screenshot_swin_stage4_merging ${SHOT} ${OUT}/swin_stage4_merging.png --min-colors 40 --
                --panel swin --set stage=3 --set view=merging --set merge_part=gather --lang en --size 1600x1000)
  lens_app_test(app_screenshot_swin_identity ${SHOT} ${OUT}/swin_identity.png --min-colors 60 --differs ${OUT}/swin_mask_astronaut_en.png --
                --panel swin --set view=mask --set projection=identity --set window_index=9 --set query=0 --lang en --size 1600x1000)
  set_tests_properties(app_screenshot_swin_identity PROPERTIES DEPENDS app_screenshot_swin_mask_astronaut_en)
  # Hover readouts: a token of the grid, and an entry of the mask.
  lens_app_test(app_screenshot_swin_hover_grid ${SHOT} ${OUT}/swin_hover_grid.png --min-colors 60 --differs ${OUT}/swin_shifted_astronaut_en.png --
                --panel swin --hover 1200,760 --lang en --size 1600x1000)
  set_tests_properties(app_screenshot_swin_hover_grid PROPERTIES DEPENDS app_screenshot_swin_shifted_astronaut_en)
  lens_app_test(app_screenshot_swin_hover_mask ${SHOT} ${OUT}/swin_hover_mask.png --min-colors 60 --differs ${OUT}/swin_mask_astronaut_en.png --
                --panel swin --set view=mask --hover 700,700 --lang en --size 1600x1000)
  set_tests_properties(app_screenshot_swin_hover_mask PROPERTIES DEPENDS app_screenshot_swin_mask_astronaut_en)
endif()
