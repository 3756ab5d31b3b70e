# App tests of the Scaling panel (included by tests/app/CMakeLists.txt). The notes' figures exactly,
# and the curves at 64, 128, ..., 4096 px: (E*E*3)^2 for the dense layer (256 px: 38,654,705,664).
lens_app_test(app_export_scaling sh -c "rm -rf ${OUT}/s1 && ${ML} --panel scaling --export ${OUT}/s1 && ${CHECK} ${OUT}/s1 notes_fc_256=38654705664 notes_fc_4k=2533274790395904 notes_pixel_ratio_4k=256 notes_weight_ratio_4k=65536 notes_fc_separable_256=12884901897 notes_first_layer=1728 notes_deep_layer=4718592 notes_separable=528896 notes_twenty_deep_layers=94371840 edges=64,128,256,512,1024,2048,4096 fc_parameters=150994944,2415919104,38654705664,618475290624,9895604649984,158329674399744,2533274790395904 separable_parameters=528896,528896,528896,528896,528896,528896,528896")
# ViT-B/16 at 224 is torchvision's vit_b_16; MobileNet v1 at 224 its published counts.
lens_app_test(app_export_scaling_224 sh -c "rm -rf ${OUT}/s2 && ${ML} --panel scaling --set edge_lo=224 --set edge_hi=224 --set cnn=mobilenet_v1 --export ${OUT}/s2 && ${CHECK} ${OUT}/s2 edges=224 vit_parameters=86567656 vit_macs=17563828224 cnn_parameters=4210088 cnn_macs=568740352")
lens_app_test(app_scaling_bad_edges ${EXPECT} 2 "edge_lo <= edge_hi" -- ${ML} --panel scaling --set edge_lo=512 --set edge_hi=64 --export ${OUT}/never)
lens_app_test(app_scaling_bad_cnn ${EXPECT} 2 "mobilenet_v1" -- ${ML} --panel scaling --set cnn=resnet --export ${OUT}/never)
if(XVFB_RUN)
  foreach(lang en zh-TW)
    lens_app_test(app_screenshot_scaling_macs_${lang} ${SHOT} ${OUT}/scaling_macs_${lang}.png --min-colors 40 --
                  --panel scaling --set metric=macs --set vit=vit_l_16 --lang ${lang} --size 1600x1000)
  endforeach()
endif()
