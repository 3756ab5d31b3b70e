# App tests of the honest figures (issue 14; included by tests/app/CMakeLists.txt): the attention
# panel's teaching default shows structure (mean entropy well below uniform: ln 14 = 2.639 on the
# default text), its presets export, and the near-uniform preset is near uniform; screenshots of
# the figures with colour bars in both languages, with a hovered cell.
set(FIGS_ENTROPY "/usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/entropy_check.py")
lens_app_test(app_export_attention_teaching sh -c "rm -rf ${OUT}/fg1 && ${ML} --panel attention --export ${OUT}/fg1 && ${CHECK} ${OUT}/fg1 tokens=14 d_model=64 heads=4 npy:attention=4,14,14 && ${FIGS_ENTROPY} ${OUT}/fg1/stats.json below 0.75")
lens_app_test(app_export_attention_uniform sh -c "rm -rf ${OUT}/fg2 && ${ML} --panel attention --set preset=uniform --export ${OUT}/fg2 && ${FIGS_ENTROPY} ${OUT}/fg2/stats.json above 0.99")
lens_app_test(app_export_attention_sharp sh -c "rm -rf ${OUT}/fg3 && ${ML} --panel attention --set preset=sharp --export ${OUT}/fg3 && ${FIGS_ENTROPY} ${OUT}/fg3/stats.json below 0.5")
lens_app_test(app_attention_bad_colour_scale ${EXPECT} 2 "fixed|auto" -- ${ML} --panel attention --set colour_scale=log --export ${OUT}/never)
if(XVFB_RUN)
  foreach(lang en zh-TW)
    lens_app_test(app_screenshot_figs_attention_uniform_${lang} ${SHOT} ${OUT}/figs_attention_uniform_${lang}.png --min-colors 30 --
                  --panel attention --set preset=uniform --lang ${lang} --size 1280x800 --hover 900,300)
    lens_app_test(app_screenshot_figs_fc_notes_${lang} ${SHOT} ${OUT}/figs_fc_notes_${lang}.png --min-colors 20 --
                  --panel fc --set preset=fc_1024_100_f64 --lang ${lang} --size 1280x800)
    lens_app_test(app_screenshot_figs_concat_${lang} ${SHOT} ${OUT}/figs_concat_${lang}.png --min-colors 30 --
                  --panel concat --lang ${lang} --size 1280x800)
  endforeach()
endif()
