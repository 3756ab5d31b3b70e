# App tests of the CNN hierarchy panel (included by tests/app/CMakeLists.txt; its variables and
# the lens_app_test function are in scope).
#
# Arrays in stats.json are checked by flattening the file (tr -d ' \n') and matching the JSON text;
# nlohmann-json writes every number of a NumberArray as a double ("3.0").

# Exports: the published counts of the presets, exactly.
lens_app_test(app_export_cnn_mobilenet sh -c "rm -rf ${OUT}/cnn1 && ${ML} --panel cnn --set preset=mobilenet_v1 --export ${OUT}/cnn1 && ${CHECK} ${OUT}/cnn1 preset=mobilenet_v1 parameters=4210088 macs=568740352 out_channels=1000 out_h=1 out_w=1 layer_count=29 global=1 query_layer=27 query_y=3 query_x=3")
# VGG-16: 138,357,544 parameters, 15,470,264,320 MACs; receptive field 212 px at pool5 (jump 32).
lens_app_test(app_export_cnn_vgg16 sh -c "rm -rf ${OUT}/cnn2 && ${ML} --panel cnn --set preset=vgg16 --export ${OUT}/cnn2 && ${CHECK} ${OUT}/cnn2 preset=vgg16 parameters=138357544 macs=15470264320 out_channels=1000 layer_count=21 query_layer=18 && tr -d ' \\n' < ${OUT}/cnn2/stats.json | grep -q '\"layer_receptive_field\":\\[3.0,5.0,6.0,10.0,14.0,16.0,24.0,32.0,40.0,44.0,60.0,76.0,92.0,100.0,132.0,164.0,196.0,212.0,' && tr -d ' \\n' < ${OUT}/cnn2/stats.json | grep -q '\"query_region\":\\[6.0,6.0,218.0,218.0\\]'")
# The notes' hierarchy: first layer 3x3x3x64 = 1,728 weights, last 3x3x512x1024 = 4,718,592.
lens_app_test(app_export_cnn_notes sh -c "rm -rf ${OUT}/cnn3 && ${ML} --panel cnn --export ${OUT}/cnn3 && ${CHECK} ${OUT}/cnn3 preset=notes parameters=6268608 out_channels=1024 out_h=16 out_w=16 receptive_field=78 jump=16 start=-31 && tr -d ' \\n' < ${OUT}/cnn3/stats.json | grep -q '\"layer_parameters\":\\[1728.0,0.0,73728.0,0.0,294912.0,0.0,1179648.0,0.0,4718592.0\\]'")
# A custom stack, checked by hand: conv 3x3 p1 (3 -> 8), 2x2 max pool, conv 3x3 p1 (8 -> 8) on 3 x 16 x 16.
# Parameters 3*9*8+8 + 8*9*8+8 = 808; MACs 16*16*8*27 + 8*8*8*72 = 92,160. Receptive field 3, 4, 8 px,
# jump 1, 2, 2, start -1, -1, -3. Layer 3's location (y=3, x=2): pool rows 2..4 -> conv-1 rows 4..9 ->
# input rows 3..10, i.e. [3, 11); columns 1..3 -> 2..7 -> 1..8, i.e. [1, 9).
lens_app_test(app_export_cnn_custom sh -c "rm -rf ${OUT}/cnn4 && ${ML} --panel cnn --set layers=conv3x3p1c8,maxpool2,conv3x3p1c8 --set in_h=16 --set in_w=16 --set in_channels=3 --set query_layer=3 --set query_y=3 --set query_x=2 --export ${OUT}/cnn4 && ${CHECK} ${OUT}/cnn4 preset=custom layers=conv3x3p1c8,\\ maxpool2,\\ conv3x3p1c8 parameters=808 macs=92160 out_channels=8 out_h=8 out_w=8 receptive_field=8 query_layer=3 query_y=3 query_x=2 && tr -d ' \\n' < ${OUT}/cnn4/stats.json > ${OUT}/cnn4/flat.json && grep -q '\"query_region\":\\[3.0,1.0,11.0,9.0\\]' ${OUT}/cnn4/flat.json && grep -q '\"query_region_unclipped\":\\[3.0,1.0,11.0,9.0\\]' ${OUT}/cnn4/flat.json && grep -q '\"layer_out_h\":\\[16.0,8.0,8.0\\]' ${OUT}/cnn4/flat.json && grep -q '\"layer_receptive_field\":\\[3.0,4.0,8.0\\]' ${OUT}/cnn4/flat.json && grep -q '\"layer_jump\":\\[1.0,2.0,2.0\\]' ${OUT}/cnn4/flat.json && grep -q '\"layer_start\":\\[-1.0,-1.0,-3.0\\]' ${OUT}/cnn4/flat.json && grep -q '\"layer_macs\":\\[55296.0,0.0,36864.0\\]' ${OUT}/cnn4/flat.json")
# The corner location of the same stack reaches into the padding: unclipped [-3, 5), clipped [0, 5).
lens_app_test(app_export_cnn_corner sh -c "rm -rf ${OUT}/cnn5 && ${ML} --panel cnn --set layers=conv3x3p1c8,maxpool2,conv3x3p1c8 --set in_h=16 --set in_w=16 --set query_layer=3 --set query_y=0 --set query_x=0 --export ${OUT}/cnn5 && tr -d ' \\n' < ${OUT}/cnn5/stats.json > ${OUT}/cnn5/flat.json && grep -q '\"query_region\":\\[0.0,0.0,5.0,5.0\\]' ${OUT}/cnn5/flat.json && grep -q '\"query_region_unclipped\":\\[-3.0,-3.0,5.0,5.0\\]' ${OUT}/cnn5/flat.json")
# Up-sampling makes the regions step unevenly: conv 3x3 s2 p1 then up2 on 8 x 8. Up-sampled row 2
# copies conv row 1, which reads input rows 1..3 ([1, 4)); column 1 copies conv column 0: input
# columns -1..1, clipped to [0, 2).
lens_app_test(app_export_cnn_upsample sh -c "rm -rf ${OUT}/cnn6 && ${ML} --panel cnn --set layers=conv3x3s2p1c4,up2 --set in_h=8 --set in_w=8 --set query_layer=2 --set query_y=2 --set query_x=1 --export ${OUT}/cnn6 && ${CHECK} ${OUT}/cnn6 out_h=8 out_w=8 out_channels=4 && tr -d ' \\n' < ${OUT}/cnn6/stats.json > ${OUT}/cnn6/flat.json && grep -q '\"query_region\":\\[1.0,0.0,4.0,2.0\\]' ${OUT}/cnn6/flat.json && grep -q '\"query_region_unclipped\":\\[1.0,-1.0,4.0,2.0\\]' ${OUT}/cnn6/flat.json && grep -q '\"layer_jump\":\\[2.0,1.0\\]' ${OUT}/cnn6/flat.json")
# Keys given alone take the other defaults: query_layer=3 of the notes' stack is its 128 x 128 map's middle.
lens_app_test(app_export_cnn_query_default sh -c "rm -rf ${OUT}/cnn7 && ${ML} --panel cnn --set query_layer=3 --export ${OUT}/cnn7 && ${CHECK} ${OUT}/cnn7 query_layer=3 query_y=64 query_x=64")

# Bad input: exit 2 with a message that says what is wrong.
lens_app_test(app_cnn_bad_layers ${EXPECT} 2 "layers: character 14: unknown layer kind 'foo'" -- ${ML} --panel cnn --set layers=conv3x3p1c64,foo --export ${OUT}/never)
lens_app_test(app_cnn_bad_field ${EXPECT} 2 "unknown field 'q'" -- ${ML} --panel cnn --set layers=conv3x3q2 --export ${OUT}/never)
lens_app_test(app_cnn_empty_layers ${EXPECT} 2 "layers: .*empty" -- ${ML} --panel cnn --set layers= --export ${OUT}/never)
lens_app_test(app_cnn_shrinks ${EXPECT} 2 "shrinks the map to nothing" -- ${ML} --panel cnn --set layers=conv3,maxpool2,maxpool2,maxpool2 --set in_h=8 --set in_w=8 --export ${OUT}/never)
lens_app_test(app_cnn_vgg_too_small ${EXPECT} 2 "layer 18 \\(maxpool2\\).*shrinks the map to nothing" -- ${ML} --panel cnn --set preset=vgg16 --set in_h=16 --set in_w=16 --export ${OUT}/never)
lens_app_test(app_cnn_too_large ${EXPECT} 2 "4096 x 4096 px is too large" -- ${ML} --panel cnn --set in_h=4096 --set in_w=4096 --export ${OUT}/never)
lens_app_test(app_cnn_zero_size ${EXPECT} 2 "in_h must be at least 1 px \\(got 0\\)" -- ${ML} --panel cnn --set in_h=0 --export ${OUT}/never)
lens_app_test(app_cnn_negative_size ${EXPECT} 2 "in_w must be at least 1 px \\(got -5\\)" -- ${ML} --panel cnn --set in_w=-5 --export ${OUT}/never)
lens_app_test(app_cnn_zero_channels ${EXPECT} 2 "input channels must be between 1 and 65536" -- ${ML} --panel cnn --set in_channels=0 --export ${OUT}/never)
lens_app_test(app_cnn_bad_query_layer ${EXPECT} 2 "query_layer: layer 20 is outside the stack's layers 1..9" -- ${ML} --panel cnn --set query_layer=20 --export ${OUT}/never)
lens_app_test(app_cnn_bad_query_location ${EXPECT} 2 "query_y: .*outside layer 9's 16 x 16 output map" -- ${ML} --panel cnn --set query_layer=9 --set query_y=16 --export ${OUT}/never)
lens_app_test(app_cnn_bad_preset ${EXPECT} 2 "notes\\|vgg16\\|encoder_decoder\\|mobilenet_v1\\|hybrid" -- ${ML} --panel cnn --set preset=resnet50 --export ${OUT}/never)
lens_app_test(app_cnn_bad_kernel ${EXPECT} 2 "sobel_x" -- ${ML} --panel cnn --set kernel=gabor --export ${OUT}/never)
lens_app_test(app_list_keys_cnn sh -c "${ML} --panel cnn --list-keys | grep -q '^query_layer'")

if(XVFB_RUN)
  # Both bundled images in both languages: the receptive field over the image, the table, the
  # feature maps of the image through the stack.
  foreach(lang en zh-TW)
    lens_app_test(app_screenshot_cnn_astronaut_${lang} ${SHOT} ${OUT}/cnn_astronaut_${lang}.png --size 1600x1000 --min-colors 80 --
                  --panel cnn --lang ${lang} --size 1600x1000)
    lens_app_test(app_screenshot_cnn_chelsea_${lang} ${SHOT} ${OUT}/cnn_chelsea_${lang}.png --size 1600x1000 --min-colors 80
                  --differs ${OUT}/cnn_astronaut_${lang}.png --
                  --panel cnn --image ${PROJECT_SOURCE_DIR}/assets/chelsea.png --lang ${lang} --size 1600x1000)
    set_tests_properties(app_screenshot_cnn_chelsea_${lang} PROPERTIES DEPENDS app_screenshot_cnn_astronaut_${lang})
  endforeach()
  lens_app_test(app_screenshot_cnn_language_differs ${SHOT} ${OUT}/cnn_astronaut_zh-TW_b.png --differs ${OUT}/cnn_astronaut_en.png --
                --panel cnn --lang zh-TW --size 1600x1000)
  set_tests_properties(app_screenshot_cnn_language_differs PROPERTIES DEPENDS app_screenshot_cnn_astronaut_en)
  # Every preset renders at the small window size too (the table must fit, labels not clipped).
  foreach(preset notes vgg16 encoder_decoder mobilenet_v1 hybrid)
    lens_app_test(app_screenshot_cnn_${preset} ${SHOT} ${OUT}/cnn_${preset}.png --size 1280x800 --min-colors 60 --
                  --panel cnn --set preset=${preset} --lang en --size 1280x800)
  endforeach()
  # The chart tab, a chosen location near the corner (the unclipped region reaches into the padding),
  # classic kernels on chelsea, and a layer list that does not parse (the message, the last valid stack).
  lens_app_test(app_screenshot_cnn_chart ${SHOT} ${OUT}/cnn_chart.png --min-colors 40 --
                --panel cnn --set preset=mobilenet_v1 --set view=chart --lang zh-TW --size 1600x1000)
  lens_app_test(app_screenshot_cnn_corner ${SHOT} ${OUT}/cnn_corner.png --min-colors 60 --
                --panel cnn --set preset=vgg16 --set query_layer=14 --set query_y=0 --set query_x=1 --lang en --size 1600x1000)
  lens_app_test(app_screenshot_cnn_box_kernel ${SHOT} ${OUT}/cnn_box.png --min-colors 60 --
                --panel cnn --set kernel=box --image ${PROJECT_SOURCE_DIR}/assets/chelsea.png --lang en --size 1600x1000)
  lens_app_test(app_screenshot_cnn_custom ${SHOT} ${OUT}/cnn_custom.png --min-colors 60 --
                --panel cnn --set layers=conv5x5s2p2c16,dw3x3p1,pw32,maxpool2,conv3x3d2p2c32,up2,tconv2c8 --set in_h=96 --set in_w=144
                --set in_channels=1 --lang en --size 1280x800)
endif()
