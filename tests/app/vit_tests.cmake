# App tests of the ViT patches panel (included by tests/app/CMakeLists.txt).
# The notes' counts, exactly: 224 px at P = 16 is 196 tokens of 768 values; 256 px is 256 tokens;
# ViT-22B's 14 px patches at 224 are 256 tokens of 588. The embedding is one shared kernel.
lens_app_test(app_export_vit_b16 sh -c "rm -rf ${OUT}/v1 && ${ML} --panel vit --set preset=vit_b_16 --export ${OUT}/v1 && ${CHECK} ${OUT}/v1 patches_h=14 patches_w=14 tokens=196 token_dim=768 embed_weights=589824 embed_parameters=590592 embed_macs=115605504 fc_weights=22658678784 npy:tokens=196,768")
lens_app_test(app_export_vit_256 sh -c "rm -rf ${OUT}/v2 && ${ML} --panel vit --set resize=256 --export ${OUT}/v2 && ${CHECK} ${OUT}/v2 patches_h=16 patches_w=16 tokens=256 token_dim=768 pad_h=0 crop_h=0")
lens_app_test(app_export_vit_22b sh -c "rm -rf ${OUT}/v3 && ${ML} --panel vit --set preset=vit_22b --export ${OUT}/v3 && ${CHECK} ${OUT}/v3 patches_h=16 patches_w=16 tokens=256 token_dim=588 embed_dim=6144 npy:tokens=256,588")
# chelsea.png is 451 x 300: 16 px patches do not divide it. Pad: 29 x 19 patches (13 and 4 px of
# zeros); crop: 28 x 18 (3 and 12 px dropped).
lens_app_test(app_export_vit_chelsea_pad sh -c "rm -rf ${OUT}/v4 && ${ML} --panel vit --image ${PROJECT_SOURCE_DIR}/assets/chelsea.png --set resize=0 --set fit=pad --export ${OUT}/v4 && ${CHECK} ${OUT}/v4 image_w=451 image_h=300 patches_w=29 patches_h=19 tokens=551 pad_w=13 pad_h=4 crop_w=0 npy:tokens=551,768")
lens_app_test(app_export_vit_chelsea_crop sh -c "rm -rf ${OUT}/v5 && ${ML} --panel vit --image ${PROJECT_SOURCE_DIR}/assets/chelsea.png --set resize=0 --set fit=crop --export ${OUT}/v5 && ${CHECK} ${OUT}/v5 patches_w=28 patches_h=18 tokens=504 crop_w=3 crop_h=12 pad_w=0")
# Overlapping patches: stride 8 at 32 px over 224: (224 - 32) / 8 + 1 = 25 a side.
lens_app_test(app_export_vit_overlap sh -c "rm -rf ${OUT}/v6 && ${ML} --panel vit --set patch=32 --set stride=8 --export ${OUT}/v6 && ${CHECK} ${OUT}/v6 patches_h=25 patches_w=25 tokens=625 token_dim=3072")
# Bad input: a message and exit 2, before anything large is allocated.
lens_app_test(app_vit_patch_too_large ${EXPECT} 2 "patch" -- ${ML} --panel vit --set resize=8 --export ${OUT}/never)
lens_app_test(app_vit_patch_too_large_own ${EXPECT} 2 "larger than" -- ${ML} --panel vit --set resize=0 --set patch=512 --set stride=512 --image ${PROJECT_SOURCE_DIR}/assets/chelsea.png --export ${OUT}/never)
lens_app_test(app_vit_zero_stride ${EXPECT} 2 "out of range" -- ${ML} --panel vit --set stride=0 --export ${OUT}/never)
lens_app_test(app_vit_4096 ${EXPECT} 2 "65,536 tokens" -- ${ML} --panel vit --set resize=4096 --export ${OUT}/never)
lens_app_test(app_vit_bad_preset ${EXPECT} 2 "vit_b_16|vit_22b" -- ${ML} --panel vit --set preset=vit_h --export ${OUT}/never)
if(XVFB_RUN)
  foreach(lang en zh-TW)
    lens_app_test(app_screenshot_vit_chelsea_${lang} ${SHOT} ${OUT}/vit_chelsea_${lang}.png --min-colors 60 --
                  --panel vit --image ${PROJECT_SOURCE_DIR}/assets/chelsea.png --set resize=0 --set select=40 --lang ${lang} --size 1600x1000)
  endforeach()
  lens_app_test(app_screenshot_vit_22b ${SHOT} ${OUT}/vit_22b.png --min-colors 60 --
                --panel vit --set preset=vit_22b --set order=hwc --lang en --size 1600x1000)
endif()
