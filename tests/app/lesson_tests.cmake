# App tests of the guided lesson (included by tests/app/CMakeLists.txt): every step of every
# section, in both languages, exported and screenshotted; each claim re-evaluated against the
# panel's own export (lesson_walk.sh, lesson_check.py). One test per section and language.
lens_app_test(app_lesson_list sh -c "${ML} --list-lessons | cut -f2 | sort -nu | tr '\\n' ' ' | grep -qx '1 2 3 4 5 6 7 8 9 10 11 12 '")
lens_app_test(app_lesson_unknown ${EXPECT} 2 "unknown lesson step" -- ${ML} --lesson no_such_step --export ${OUT}/never)
lens_app_test(app_lesson_wrong_panel ${EXPECT} 2 "opens panel" -- ${ML} --lesson conv-1d --panel fc --export ${OUT}/never)
if(XVFB_RUN)
  # Presentation mode at the two classroom sizes: no menu, navigation or editors; the card on top.
  lens_app_test(app_lesson_present_1920_en ${SHOT} ${OUT}/lesson_present_en.png --size 1920x1080 --min-colors 40 --
                --lesson conv-1d --present --lang en --size 1920x1080 --scale 1.5)
  lens_app_test(app_lesson_present_1280_zh-TW ${SHOT} ${OUT}/lesson_present_zh.png --size 1280x800 --min-colors 40 --
                --lesson attn-block --present --lang zh-TW --size 1280x800)
  foreach(section RANGE 1 12)
    foreach(lang en zh-TW)
      lens_app_test(app_lesson_section_${section}_${lang} ${CMAKE_CURRENT_SOURCE_DIR}/lesson_walk.sh ${OUT}/lesson ${section} ${lang})
    endforeach()
  endforeach()
endif()
