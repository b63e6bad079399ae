import Foundation

/// Line charts as plain SVG text (no dependencies): one panel per quantity (training loss, validation
/// EM, ...), stacked vertically, each with its own axes, tick labels and legend.
///
///     let svg = SVGPlot.render([.init(title: "loss", series: [.init(name: "train", points: [(1, 3.2), (2, 2.9)])])])
public enum SVGPlot {
    public struct Series: Sendable {
        public var name: String
        public var points: [(x: Double, y: Double)]
        public init(name: String, points: [(x: Double, y: Double)]) { self.name = name; self.points = points }
    }

    public struct Panel: Sendable {
        public var title: String
        public var xLabel: String
        public var series: [Series]
        public init(title: String, xLabel: String = "step", series: [Series]) { self.title = title; self.xLabel = xLabel; self.series = series }
    }

    static let colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd"]

    public static func render(_ panels: [Panel], width: Double = 640, panelHeight: Double = 260) -> String {
        let height = panelHeight * Double(max(1, panels.count))
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(fmt(width))\" height=\"\(fmt(height))\" viewBox=\"0 0 \(fmt(width)) \(fmt(height))\" font-family=\"sans-serif\" font-size=\"11\">\n"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        for (i, p) in panels.enumerated() { s += panel(p, top: Double(i) * panelHeight, width: width, height: panelHeight) }
        return s + "</svg>\n"
    }

    public static func write(_ panels: [Panel], to url: URL) throws { try AtomicFiles.write(render(panels), to: url) }

    private static func panel(_ p: Panel, top: Double, width: Double, height: Double) -> String {
        let (l, r, t, b) = (60.0, 20.0, top + 28, top + height - 36)
        let pts = p.series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
        var s = "<text x=\"\(fmt(width / 2))\" y=\"\(fmt(top + 18))\" text-anchor=\"middle\" font-size=\"13\">\(escape(p.title))</text>\n"
        s += "<rect x=\"\(fmt(l))\" y=\"\(fmt(t))\" width=\"\(fmt(width - l - r))\" height=\"\(fmt(b - t))\" fill=\"none\" stroke=\"#444\"/>\n"
        s += "<text x=\"\(fmt(width / 2))\" y=\"\(fmt(b + 30))\" text-anchor=\"middle\">\(escape(p.xLabel))</text>\n"
        guard !pts.isEmpty else { return s + "<text x=\"\(fmt(width / 2))\" y=\"\(fmt((t + b) / 2))\" text-anchor=\"middle\" fill=\"#888\">no data</text>\n" }
        var (x0, x1) = (pts.map(\.x).min()!, pts.map(\.x).max()!)
        var (y0, y1) = (pts.map(\.y).min()!, pts.map(\.y).max()!)
        if x1 == x0 { x0 -= 1; x1 += 1 }
        if y1 == y0 { y0 -= 0.5; y1 += 0.5 }
        let px = { (x: Double) in l + (x - x0) / (x1 - x0) * (width - l - r) }
        let py = { (y: Double) in b - (y - y0) / (y1 - y0) * (b - t) }
        for fy in niceTicks(y0, y1, whole: false) {
            s += "<line x1=\"\(fmt(l))\" y1=\"\(fmt(py(fy)))\" x2=\"\(fmt(width - r))\" y2=\"\(fmt(py(fy)))\" stroke=\"#eee\"/>\n"
            s += "<text x=\"\(fmt(l - 4))\" y=\"\(fmt(py(fy) + 4))\" text-anchor=\"end\">\(tick(fy))</text>\n"
        }
        // Steps and other whole-number axes get whole-number ticks.
        let wholeX = pts.allSatisfy { $0.x == $0.x.rounded() }
        for fx in niceTicks(x0, x1, whole: wholeX) {
            s += "<text x=\"\(fmt(px(fx)))\" y=\"\(fmt(b + 14))\" text-anchor=\"middle\">\(tick(fx))</text>\n"
        }
        for (i, series) in p.series.enumerated() {
            let color = colors[i % colors.count]
            let path = series.points.filter { $0.x.isFinite && $0.y.isFinite }.map { "\(fmt(px($0.x))),\(fmt(py($0.y)))" }
            if path.count == 1 {
                s += "<circle cx=\"\(path[0].split(separator: ",")[0])\" cy=\"\(path[0].split(separator: ",")[1])\" r=\"3\" fill=\"\(color)\"/>\n"
            } else if !path.isEmpty {
                s += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\" points=\"\(path.joined(separator: " "))\"/>\n"
            }
            s += "<text x=\"\(fmt(width - r - 6))\" y=\"\(fmt(t + 14 + 14 * Double(i)))\" text-anchor=\"end\" fill=\"\(color)\">\(escape(series.name))</text>\n"
        }
        return s
    }

    static func fmt(_ v: Double) -> String { String(format: "%.1f", v) }

    /// Round tick values inside [lo, hi]: multiples of 1, 2 or 5 x 10^k, about 4 intervals; at least 1 apart
    /// on a whole-number axis (so steps never read 9.75).
    static func niceTicks(_ lo: Double, _ hi: Double, whole: Bool) -> [Double] {
        let raw = (hi - lo) / 4
        guard raw > 0, raw.isFinite else { return [lo] }
        let magnitude = pow(10, floor(log10(raw)))
        var step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        if whole { step = max(1, step.rounded()) }
        var ticks: [Double] = []
        var v = (lo / step).rounded(.up) * step
        while v <= hi + step * 1e-9 && ticks.count < 20 {
            ticks.append(abs(v) < step * 1e-9 ? 0 : v)
            v += step
        }
        return ticks
    }
    static func tick(_ v: Double) -> String { abs(v) >= 1e4 || (abs(v) < 1e-2 && v != 0) ? String(format: "%.1e", v) : String(format: "%.3g", v) }
    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
