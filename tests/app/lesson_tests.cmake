# App tests of the guided lesson (included by tests/app/CMakeLists.txt): every step of every
# section, in both languages, exported and screenshotted; each claim re-evaluated against the
# panel's own export (lesson_walk.sh, lesson_check.py). One test per section and language.
lens_app_test(app_lesson_list sh -c "${ML} --list-lessons | cut -f2 | sort -nu | tr '\\n' ' ' | grep -qx '1 2 3 4 5 6 7 8 9 10 11 12 '")
lens_app_test(app_lesson_unknown ${EXPECT} 2 "unknown lesson step" -- ${ML} --lesson no_such_step --export ${OUT}/never)
lens_app_test(app_lesson_wrong_panel ${EXPECT} 2 "opens panel" -- ${ML} --lesson conv-1d --panel fc --export ${OUT}/never)
if(XVFB_RUN)
  foreach(section RANGE 1 12)
    foreach(lang en zh-TW)
      lens_app_test(app_lesson_section_${section}_${lang} ${CMAKE_CURRENT_SOURCE_DIR}/lesson_walk.sh ${OUT}/lesson ${section} ${lang})
    endforeach()
  endforeach()
endif()
