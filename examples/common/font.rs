//! The font the example plots write their axis labels with: DejaVu Sans
//! Mono (Bitstream Vera license, examples/data/fonts/LICENSE-DejaVu.txt),
//! embedded in the binary so that no system font is needed (plotters'
//! `ab_glyph` text backend).

/// Registers the embedded font as plotters' "sans-serif".
pub fn register() {
    static FONT: &[u8] = include_bytes!("../data/fonts/DejaVuSansMono.ttf");
    plotters::style::register_font("sans-serif", plotters::style::FontStyle::Normal, FONT)
        .unwrap_or_else(|_| panic!("the embedded DejaVu Sans Mono is a valid font"));
}
