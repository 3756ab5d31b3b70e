// app/widgets/zoom_view.cpp: see zoom_view.hpp.
#include "zoom_view.hpp"

#include <algorithm>
#include <cmath>

namespace lens::app {

void ZoomView::SetContent(double width, double height) {
    if (width != m_width || height != m_height) {
        m_width = width;
        m_height = height;
        m_needs_fit = true;
    }
}

void ZoomView::Fit() { m_needs_fit = true; }

void ZoomView::Pan(float dx, float dy) {
    m_fitted = false;
    m_center_x -= dx / m_zoom;
    m_center_y -= dy / (m_zoom * m_aspect);
    Clamp();
}

void ZoomView::RequestZoom(double zoom) {
    m_needs_fit = true;
    m_requested_zoom = zoom > 0 ? zoom : 0;
}

void ZoomView::RequestView(double zoom, double center_x, double center_y) {
    m_view_requested = true;
    m_request_zoom = zoom;
    m_request_x = center_x;
    m_request_y = center_y;
}

double ZoomView::FitZoom() const {
    const double fx = m_size.x / std::max(m_width, 1e-9), fy = m_size.y / std::max(m_height, 1e-9);
    return m_stretch ? fx : std::min(fx, fy);
}

void ZoomView::Clamp() {
    const double fit = FitZoom();
    m_zoom = std::clamp(m_zoom, fit * 0.5, std::max(m_max_zoom, fit));
    // Keep at least part of the content in view.
    m_center_x = std::clamp(m_center_x, 0.0, m_width);
    m_center_y = std::clamp(m_center_y, 0.0, m_height);
}

void ZoomView::HandleInput(ImVec2 min, ImVec2 size, bool hovered, bool active) {
    m_min = min;
    const ImVec2 new_size(std::max(size.x, 1.0f), std::max(size.y, 1.0f));
    if (m_fitted && (new_size.x != m_size.x || new_size.y != m_size.y)) m_needs_fit = true;
    m_size = new_size;
    if (m_needs_fit) {
        m_fitted = m_requested_zoom <= 0;
        m_zoom = FitZoom();
        m_aspect = m_stretch ? (m_size.y / std::max(m_height, 1e-9)) / m_zoom : 1.0;
        m_center_x = m_width * 0.5;
        m_center_y = m_height * 0.5;
        m_needs_fit = false;
        if (m_requested_zoom > 0) {
            m_zoom = m_requested_zoom;
            m_requested_zoom = 0;
        }
    }
    if (m_view_requested) {
        m_view_requested = false;
        m_fitted = false;
        m_zoom = m_request_zoom > 0 ? m_request_zoom : FitZoom();
        m_center_x = m_request_x;
        m_center_y = m_request_y;
        Clamp();
    }
    ImGuiIO& io = ImGui::GetIO();
    if (hovered && io.MouseWheel != 0.0f) {
        double before_x = 0, before_y = 0;
        ScreenToContent(io.MousePos, &before_x, &before_y);
        m_fitted = false;
        m_zoom *= std::pow(1.25, static_cast<double>(io.MouseWheel));
        Clamp();
        // Keep the content point under the pointer fixed.
        double after_x = 0, after_y = 0;
        ScreenToContent(io.MousePos, &after_x, &after_y);
        m_center_x += before_x - after_x;
        m_center_y += before_y - after_y;
    }
    if (active && ImGui::IsMouseDragging(ImGuiMouseButton_Left, 0.0f) && (io.MouseDelta.x != 0 || io.MouseDelta.y != 0)) {
        m_fitted = false;
        m_center_x -= io.MouseDelta.x / m_zoom;
        m_center_y -= io.MouseDelta.y / (m_zoom * m_aspect);
    }
    if (hovered && ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left)) {
        m_needs_fit = true;
    }
    Clamp();
}

ImVec2 ZoomView::ContentToScreen(double x, double y) const {
    return ImVec2(static_cast<float>(m_min.x + m_size.x * 0.5 + (x - m_center_x) * m_zoom),
                  static_cast<float>(m_min.y + m_size.y * 0.5 + (y - m_center_y) * m_zoom * m_aspect));
}

void ZoomView::ScreenToContent(ImVec2 p, double* x, double* y) const {
    *x = m_center_x + (p.x - m_min.x - m_size.x * 0.5) / m_zoom;
    *y = m_center_y + (p.y - m_min.y - m_size.y * 0.5) / (m_zoom * m_aspect);
}

ContentRect ZoomView::Visible() const {
    ContentRect rect;
    ScreenToContent(m_min, &rect.x0, &rect.y0);
    ScreenToContent(ImVec2(m_min.x + m_size.x, m_min.y + m_size.y), &rect.x1, &rect.y1);
    rect.x0 = std::clamp(rect.x0, 0.0, m_width);
    rect.x1 = std::clamp(rect.x1, 0.0, m_width);
    rect.y0 = std::clamp(rect.y0, 0.0, m_height);
    rect.y1 = std::clamp(rect.y1, 0.0, m_height);
    return rect;
}

}  // namespace lens::app
