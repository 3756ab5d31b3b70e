# App tests of the Swin panel (included by tests/app/CMakeLists.txt; its variables and the
# lens_app_test function are in scope).
