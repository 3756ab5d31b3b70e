// app/widgets/zoom_view.hpp: pan and zoom over a content rectangle (an image in pixels, a matrix
// in entries) shown in a screen region. Content coordinates: x right, y down, origin top-left, in
// content units (doubles, so matrices with billions of rows keep sub-entry precision).
#pragma once

#include <imgui.h>

namespace lens::app {

struct ContentRect {
    double x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // [x0, x1) x [y0, y1) in content units
};

class ZoomView {
public:
    // Sets the content size; resets to fit when it changed.
    void SetContent(double width, double height);
    // Handles wheel (zoom about the pointer), left-drag (pan) and double-click (fit) for an item
    // occupying [min, min + size). Call after an InvisibleButton/ItemAdd covering the region.
    void HandleInput(ImVec2 min, ImVec2 size, bool hovered, bool active);
    void Fit();
    // Moves the view by a screen-space offset (px), as a drag does.
    void Pan(float dx, float dy);
    // Sets an exact zoom (screen pixels per content unit), centred on the content, at the next
    // HandleInput; zero or negative means fit.
    void RequestZoom(double zoom);
    // Sets zoom (screen pixels per content unit, horizontally) and the content point at the region's
    // centre, applied at the next HandleInput (after any pending fit). Clamped like a wheel zoom.
    void RequestView(double zoom, double center_x, double center_y);
    // The zoom that fits the whole content in the region (as Fit shows it).
    double FitZoomNow() const { return FitZoom(); }
    // True while the whole content is shown as Fit shows it.
    bool AtFit() const { return m_fitted; }
    double CenterX() const { return m_center_x; }
    double CenterY() const { return m_center_y; }
    double ContentWidth() const { return m_width; }
    double ContentHeight() const { return m_height; }
    // Zoom in screen pixels per content unit, horizontally (vertically it is Zoom() * Aspect()).
    double Zoom() const { return m_zoom; }
    double Aspect() const { return m_aspect; }
    // Stretch: fit the content to the region on both axes (entries become rectangles), for very
    // tall or wide matrices such as im2col. Off by default (square entries).
    void SetStretch(bool stretch) { m_stretch = stretch; }
    // Largest zoom allowed (pixels per content unit).
    void SetMaxZoom(double max_zoom) { m_max_zoom = max_zoom; }

    ImVec2 ContentToScreen(double x, double y) const;
    void ScreenToContent(ImVec2 p, double* x, double* y) const;
    // The part of the content visible in the region, clipped to the content.
    ContentRect Visible() const;
    ImVec2 RegionMin() const { return m_min; }
    ImVec2 RegionSize() const { return m_size; }

private:
    void Clamp();
    double FitZoom() const;
    double m_width = 0, m_height = 0;
    double m_center_x = 0, m_center_y = 0;  // content point at the region's centre
    double m_zoom = 1;
    double m_aspect = 1;  // vertical zoom / horizontal zoom
    bool m_stretch = false;
    double m_max_zoom = 64;
    bool m_needs_fit = true;
    bool m_fitted = false;  // still showing the fitted view: refit when the region resizes
    double m_requested_zoom = 0;  // > 0: apply at the next HandleInput
    bool m_view_requested = false;  // RequestView: apply m_request_* at the next HandleInput
    double m_request_zoom = 0, m_request_x = 0, m_request_y = 0;
    ImVec2 m_min{0, 0};
    ImVec2 m_size{1, 1};
};

}  // namespace lens::app
