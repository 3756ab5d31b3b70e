# App tests of the Trained ViT panel (included by tests/app/CMakeLists.txt). The tiny checkpoints
# and their NumPy reference come from tests/model/make_tiny_vit.py (a fixture); each export is
# checked against the reference run on the exported input.npy (float32 against float64:
# |got - want| <= 1e-4 |want| + 1e-5 max(1, max |want|)).
set(TINY ${OUT}/tiny_vit)
set(TINY_SCRIPT ${PROJECT_SOURCE_DIR}/tests/model/make_tiny_vit.py)
add_test(NAME app_model_make_tiny COMMAND /usr/bin/python3 ${TINY_SCRIPT} ${TINY})
set_tests_properties(app_model_make_tiny PROPERTIES FIXTURES_SETUP model_tiny LABELS app)
function(lens_model_test name)
  lens_app_test(${name} ${ARGN})
  set_tests_properties(${name} PROPERTIES FIXTURES_REQUIRED model_tiny)
endfunction()

foreach(case timm_deit_distilled timm_mean_pool_head timm_dino_no_embed_class hf_cls_head hf_model_pooler_width_rule tv_linear_names_f16)
  lens_model_test(app_model_export_${case} sh -c "rm -rf ${OUT}/m_${case} && ${ML} --model ${TINY}/${case}/model.safetensors --export ${OUT}/m_${case} && /usr/bin/python3 ${TINY_SCRIPT} --compare ${TINY}/${case} ${OUT}/m_${case}")
endforeach()
# The inferred hyper-parameters and the parameter count against the Block formulas, in stats.json.
lens_model_test(app_model_stats sh -c "rm -rf ${OUT}/m_stats && ${ML} --panel model --set model=${TINY}/timm_deit_distilled/model.safetensors --image ${PROJECT_SOURCE_DIR}/assets/chelsea.png --export ${OUT}/m_stats && ${CHECK} ${OUT}/m_stats layout=timm depth=2 width=32 heads=2 mlp=64 patch=4 image_size=12 tokens=11 class_token=1 dist_token=1 head=1 num_classes=10 file_parameters=19796 inferred_parameters=19796 npy:input=3,12,12 npy:attention=2,2,11,11 npy:rollout=11,11 npy:logits=10")
lens_model_test(app_model_heads_override sh -c "rm -rf ${OUT}/m_heads && ${ML} --model ${TINY}/timm_cls_head/model.safetensors --set heads=8 --export ${OUT}/m_heads && ${CHECK} ${OUT}/m_heads heads=8 heads_source=override npy:attention=2,8,10,10")
# Bad checkpoints: exit 4 with the reason.
lens_model_test(app_model_bad_header ${EXPECT} 4 "header length .* lies" -- ${ML} --model ${TINY}/bad_header_lies.safetensors --export ${OUT}/never)
lens_model_test(app_model_bad_layout ${EXPECT} 4 "no ViT layout recognised" -- ${ML} --model ${TINY}/bad_no_layout.safetensors --export ${OUT}/never)
lens_model_test(app_model_bad_heads ${EXPECT} 4 "do not divide the width" -- ${ML} --model ${TINY}/timm_cls_head/model.safetensors --set heads=5 --export ${OUT}/never)
lens_app_test(app_model_missing ${EXPECT} 4 "cannot open" -- ${ML} --model ${OUT}/does_not_exist.safetensors --export ${OUT}/never)
lens_app_test(app_model_directory ${EXPECT} 4 "not a regular file" -- ${ML} --model ${OUT} --export ${OUT}/never)
if(XVFB_RUN)
  foreach(lang en zh-TW)
    lens_model_test(app_screenshot_model_tiny_${lang} ${SHOT} ${OUT}/model_tiny_${lang}.png --min-colors 60 --
                    --model ${TINY}/hf_cls_head/model.safetensors --lang ${lang} --size 1280x800)
  endforeach()
endif()
