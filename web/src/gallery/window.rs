//! The grid, windowed: every loaded record stays in state, but only the rows
//! of cards on and near the screen are in the page. The rows left out are
//! padding above and below the cards, so the page is as tall as the whole
//! grid and the scrollbar, the end of the grid (where the next page loads)
//! and every card's position are where they would be with all cards there.
//!
//! The column count comes from the grid's own layout, the row height from
//! the cards rendered (every row is held to the tallest card seen, so all
//! rows are equally high); both are measured again when the grid's size
//! changes. Scrolling moves the window once per frame. When the focus moves
//! into a card, it is scrolled into view and the window follows at once, so
//! the next Tab always has a card to go to.

use super::card::ImageCard;
use super::delete::Deleter;
use super::mounted::MountedCards;
use super::use_gallery;
use crate::decimal;
use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use web_sys::Element;

/// Rows rendered beyond those on the screen, above and below.
const BUFFER_ROWS: usize = 3;
/// At least this many cards are rendered (more than a page of the listing,
/// so a small gallery has all its cards in the page).
const MIN_CARDS: usize = 60;

/// The grid's measured layout.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Grid {
    pub columns: usize,
    /// The height of every row, in CSS pixels.
    pub row: f64,
    /// The space between rows.
    pub gap: f64,
    /// The grid's width when measured.
    pub width: f64,
    /// Whether the rows are held to `row` (not while the cards' own
    /// heights are measured).
    pub held: bool,
}

impl Grid {
    /// From the top of one row to the top of the next.
    fn pitch(self) -> f64 {
        self.row + self.gap
    }
}

/// The screen, relative to the top of the grid.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Screen {
    /// How far the top of the screen is below the top of the grid (negative
    /// while the grid starts lower down).
    pub top: f64,
    pub height: f64,
}

/// The cards in the page: `start..end` of the loaded images, and the rows of
/// the grid left out before and after them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub rows_before: usize,
    pub rows_after: usize,
}

/// Which of `len` cards to render for the screen: the rows on it and
/// `BUFFER_ROWS` either side, and at least the rows that `MIN_CARDS` fill.
/// Until the grid is measured, the first cards.
pub fn span_of(len: usize, grid: Option<Grid>, screen: Screen) -> Span {
    let Some(grid) = grid.filter(|grid| grid.columns > 0 && grid.pitch() > 0.0) else {
        let end = len.min(MIN_CARDS);
        return Span {
            start: 0,
            end,
            rows_before: 0,
            rows_after: 0,
        };
    };
    let columns = grid.columns;
    let rows = len.div_ceil(columns);
    // Saturating: a screen above the grid is at row 0.
    let row_at = |y: f64| (y / grid.pitch()) as usize;
    let mut first = row_at(screen.top).saturating_sub(BUFFER_ROWS);
    let mut end = row_at(screen.top + screen.height).saturating_add(1 + BUFFER_ROWS);
    let least = MIN_CARDS.div_ceil(columns);
    if end - first < least {
        let missing = least - (end - first);
        let above = (missing / 2).min(first);
        first -= above;
        end += missing - above;
    }
    // Near the end, the last rows, as many as elsewhere.
    if end > rows {
        first = rows.saturating_sub(end - first);
        end = rows;
    }
    Span {
        start: first * columns,
        end: (end * columns).min(len),
        rows_before: first,
        rows_after: rows - end,
    }
}

#[wasm_bindgen]
extern "C" {
    type ResizeObserver;
    #[wasm_bindgen(constructor)]
    fn new(callback: &js_sys::Function) -> ResizeObserver;
    #[wasm_bindgen(method)]
    fn observe(this: &ResizeObserver, target: &Element);
    #[wasm_bindgen(method)]
    fn disconnect(this: &ResizeObserver);

    type Rect;
    #[wasm_bindgen(method, getter)]
    fn top(this: &Rect) -> f64;
    #[wasm_bindgen(method, getter)]
    fn height(this: &Rect) -> f64;
    /// What an element offers beyond the bindings at hand.
    #[wasm_bindgen(extends = Element)]
    type Boxed;
    #[wasm_bindgen(method, js_name = getBoundingClientRect)]
    fn rect(this: &Boxed) -> Rect;
    #[wasm_bindgen(method, js_name = scrollIntoView)]
    fn scroll_into_view_with(this: &Boxed, options: &js_sys::Object);
    /// Through the CSSOM, which the page's content security policy allows
    /// (a `style` attribute it does not).
    #[wasm_bindgen(method, getter)]
    fn style(this: &Boxed) -> Declarations;

    type Declarations;
    #[wasm_bindgen(method, js_name = setProperty)]
    fn set_property(this: &Declarations, name: &str, value: &str);

    #[wasm_bindgen(extends = web_sys::EventTarget)]
    type Target;
    #[wasm_bindgen(method, js_name = addEventListener)]
    fn listen(this: &Target, kind: &str, listener: &js_sys::Function, options: &js_sys::Object);

    type Style;
    #[wasm_bindgen(js_name = getComputedStyle)]
    fn computed_style(element: &Element) -> Style;
    #[wasm_bindgen(method, getter, js_name = gridTemplateColumns)]
    fn grid_template_columns(this: &Style) -> String;
    #[wasm_bindgen(method, getter, js_name = rowGap)]
    fn row_gap(this: &Style) -> String;
}

fn boxed(element: &Element) -> &Boxed {
    element.unchecked_ref()
}

/// `{ key: value }`
fn options(key: &str, value: JsValue) -> js_sys::Object {
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &key.into(), &value);
    options
}

/// The window's state, and following the screen with it.
#[derive(Clone, Copy)]
struct GridWindow {
    element: NodeRef<html::Ul>,
    grid: RwSignal<Option<Grid>>,
    screen: RwSignal<Screen>,
    /// A frame is requested, and whether it measures the grid again.
    frame: StoredValue<Option<bool>>,
}

impl GridWindow {
    /// Follows the screen (and measures the grid too if `measure`) in the
    /// next frame, once however often it is asked for.
    fn schedule(self, measure: bool) {
        let Some(requested) = self.frame.try_get_value() else {
            return;
        };
        self.frame
            .set_value(Some(measure || requested.unwrap_or(false)));
        if requested.is_none() {
            request_animation_frame(move || {
                if let Some(Some(measure)) = self.frame.try_update_value(Option::take) {
                    self.update(measure);
                }
            });
        }
    }

    fn update(self, measure: bool) {
        let Some(element) = self.element.get_untracked() else {
            return;
        };
        if measure {
            self.measure(&element);
        }
        let screen = Screen {
            top: -boxed(&element).rect().top(),
            height: window()
                .inner_height()
                .ok()
                .and_then(|height| height.as_f64())
                .unwrap_or(0.0),
        };
        if self.screen.get_untracked() != screen {
            self.screen.set(screen);
        }
    }

    /// Columns and gap from the grid's computed style, the row height from
    /// the tallest card rendered. Rows only grow while the width stays; a
    /// new width measures the cards' own heights again.
    fn measure(self, element: &Element) {
        let width = element.client_width() as f64;
        let known = self.grid.get_untracked();
        let same_width = known.is_some_and(|grid| grid.width == width);
        if let Some(grid) = known.filter(|grid| grid.held && !same_width) {
            // Cards are held to the old row height: measure them free of it.
            self.grid.set(Some(Grid {
                held: false,
                ..grid
            }));
            self.schedule(true);
            return;
        }
        let style = computed_style(element);
        let columns = style.grid_template_columns().split_whitespace().count();
        let gap = decimal::parse(style.row_gap().trim_end_matches("px")).unwrap_or(0.0);
        let mut tallest = 0.0_f64;
        let mut card = element.first_element_child();
        while let Some(current) = card {
            tallest = tallest.max(boxed(&current).rect().height());
            card = current.next_element_sibling();
        }
        if tallest <= 0.0 {
            return;
        }
        // Whole pixels: moving the window moves every card by whole rows,
        // and rows a fraction of a pixel high would put the cards at a new
        // subpixel offset each time, which the browser paints again (deep
        // in a large gallery, 12 times the image paints of whole-pixel
        // rows: docs/benchmarks.md). Exact in layout units too, so the rows
        // are as high as the window counts them.
        let tallest = tallest.ceil();
        let row = match known {
            Some(grid) if same_width => grid.row.max(tallest),
            _ => tallest,
        };
        let grid = Some(Grid {
            columns,
            row,
            gap,
            width,
            held: true,
        });
        if known != grid {
            self.grid.set(grid);
        }
    }

    /// Moves the screen to the top of the grid if it is further down.
    fn to_top(self, element: &Element) {
        let top = boxed(element).rect().top();
        if top < 0.0 {
            window().scroll_by_with_x_and_y(0.0, top);
        }
        self.update(false);
    }

    /// Something in a card took the focus: it comes into view, and the
    /// window follows now (not a frame later), so the next Tab finds the
    /// card after it.
    fn focused(self) {
        if let Some(focused) = document().active_element() {
            boxed(&focused).scroll_into_view_with(&options("block", "nearest".into()));
            self.update(false);
        }
    }
}

/// What keeps the window on the screen: scrolling, resizing, the sizes of
/// the grid and the page, and the focus in the grid. Stops when dropped.
struct Watch {
    grid: Element,
    observer: ResizeObserver,
    on_scroll: Closure<dyn Fn()>,
    on_resize: Closure<dyn Fn()>,
    on_focus: Closure<dyn Fn()>,
}

impl Watch {
    fn start(window: GridWindow, grid: Element) -> Self {
        let on_scroll = Closure::<dyn Fn()>::new(move || window.schedule(false));
        let on_resize = Closure::<dyn Fn()>::new(move || window.schedule(true));
        let on_focus = Closure::<dyn Fn()>::new(move || window.focused());
        let passive = options("passive", true.into());
        let page = leptos::prelude::window();
        let page: &Target = page.unchecked_ref();
        page.listen("scroll", on_scroll.as_ref().unchecked_ref(), &passive);
        page.listen("resize", on_resize.as_ref().unchecked_ref(), &passive);
        grid.unchecked_ref::<Target>().listen(
            "focusin",
            on_focus.as_ref().unchecked_ref(),
            &passive,
        );
        // The grid's size follows its width, new cards and the row height;
        // the page's, whatever moves the grid up or down.
        let observer = ResizeObserver::new(on_resize.as_ref().unchecked_ref());
        observer.observe(&grid);
        if let Some(body) = document().body() {
            observer.observe(&body);
        }
        Self {
            grid,
            observer,
            on_scroll,
            on_resize,
            on_focus,
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.observer.disconnect();
        let page = leptos::prelude::window();
        for (target, kind, listener) in [
            (page.as_ref(), "scroll", &self.on_scroll),
            (page.as_ref(), "resize", &self.on_resize),
            (self.grid.as_ref(), "focusin", &self.on_focus),
        ] {
            let _ = web_sys::EventTarget::remove_event_listener_with_callback(
                target,
                kind,
                listener.as_ref().unchecked_ref(),
            );
        }
    }
}

/// Rows left out are padding; no row lower than the tallest card seen.
fn lay_out(grid: &Element, span: Span, measured: Option<Grid>) {
    let pitch = measured.map_or(0.0, Grid::pitch);
    let style = boxed(grid).style();
    let px = |rows: usize| format!("{}px", decimal::format(rows as f64 * pitch, 3));
    style.set_property("padding-top", &px(span.rows_before));
    style.set_property("padding-bottom", &px(span.rows_after));
    let rows = match measured.filter(|grid| grid.held) {
        Some(grid) => format!("minmax({}px,auto)", decimal::format(grid.row, 6)),
        None => String::new(),
    };
    style.set_property("grid-auto-rows", &rows);
}

#[component]
pub fn WindowedGrid(deleter: Deleter) -> impl IntoView {
    let gallery = use_gallery();
    let element = NodeRef::<html::Ul>::new();
    let window = GridWindow {
        element,
        grid: RwSignal::new(None),
        screen: RwSignal::new(Screen::default()),
        frame: StoredValue::new(None),
    };
    let span = Memo::new(move |_| {
        span_of(
            gallery.images.with(Vec::len),
            window.grid.get(),
            window.screen.get(),
        )
    });

    let mut cards = MountedCards::new(move |image| view! { <ImageCard image deleter /> });
    let mut watch = None;
    Effect::new(move |searched: Option<String>| {
        let search = gallery.search.get();
        let Some(grid) = element.get() else {
            return search;
        };
        watch.get_or_insert_with(|| Watch::start(window, grid.clone().into()));
        // A new search starts at the top.
        if searched.is_some_and(|searched| searched != search) {
            window.to_top(&grid);
        }
        let span = span.get();
        let shown = gallery.images.with(|images| {
            images
                .get(span.start..span.end)
                .unwrap_or_default()
                .to_vec()
        });
        cards.show(&grid, &shown);
        lay_out(&grid, span, window.grid.get());
        search
    });

    let selecting = move || gallery.selected.with(|selected| !selected.is_empty());
    view! {
        <ul
            class="grid"
            class:selecting=selecting
            data-testid="grid"
            node_ref=element
        />
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GRID: Grid = Grid {
        columns: 5,
        row: 300.0,
        gap: 14.0,
        width: 1_100.0,
        held: true,
    };
    const PITCH: f64 = 314.0;

    fn screen(top: f64) -> Screen {
        Screen { top, height: 800.0 }
    }

    #[test]
    fn before_measuring_the_first_cards() {
        assert_eq!(span_of(10_000, None, screen(0.0)).end, MIN_CARDS);
        assert_eq!(span_of(7, None, screen(0.0)).end, 7);
    }

    #[test]
    fn a_small_gallery_is_rendered_whole() {
        for top in [-500.0, 0.0, 2_000.0] {
            let whole = span_of(53, Some(GRID), screen(top));
            assert_eq!(
                whole,
                Span {
                    start: 0,
                    end: 53,
                    rows_before: 0,
                    rows_after: 0
                }
            );
        }
    }

    #[test]
    fn the_screen_and_a_few_rows_either_side() {
        // Rows 100-102 on the screen (its bottom in row 102).
        let middle = span_of(10_000, Some(GRID), screen(100.0 * PITCH + 10.0));
        assert_eq!(
            middle.rows_before + middle.rows_after,
            2_000 - (middle.end - middle.start) / 5
        );
        assert!(middle.rows_before <= 100 - BUFFER_ROWS);
        assert!(middle.end / 5 > 102 + BUFFER_ROWS);
        assert!(middle.end - middle.start >= MIN_CARDS);
        assert!(middle.end - middle.start <= MIN_CARDS + 2 * 5);
        assert_eq!(middle.start, middle.rows_before * 5);
    }

    #[test]
    fn above_the_grid_the_first_rows_and_past_it_the_last() {
        let above = span_of(10_000, Some(GRID), screen(-3_000.0));
        assert_eq!((above.start, above.rows_before), (0, 0));
        assert!(above.end >= MIN_CARDS);

        let past = span_of(10_003, Some(GRID), screen(1e9));
        assert_eq!((past.end, past.rows_after), (10_003, 0));
        assert_eq!((past.end - past.start).div_ceil(5), MIN_CARDS.div_ceil(5));
        // The last row is short: 3 cards.
        assert_eq!((past.end - past.start) % 5, 3);
    }

    #[test]
    fn the_rows_left_out_and_rendered_add_up() {
        for len in [0, 1, 59, 60, 61, 999, 10_000] {
            for top in [-100.0, 0.0, 5_000.0, 50_000.0, 1e7] {
                let span = span_of(len, Some(GRID), screen(top));
                let rendered = (span.end - span.start).div_ceil(5);
                assert_eq!(
                    span.rows_before + rendered + span.rows_after,
                    len.div_ceil(5)
                );
                assert!(span.start <= span.end && span.end <= len);
            }
        }
    }
}
