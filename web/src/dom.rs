//! Plain DOM for the views that are rows of text redrawn whole on each
//! change: the trash, the audit log and the tokens. Built here, not with
//! `view!`: every distinct `view!` tree, event handler and effect is its own
//! generic code, several KB of wasm each, and the UI has a size budget (see
//! scripts/sizes.sh). These views share one of each, in `view`.
//!
//! The helpers are kept out of line: inlined at each of their many calls,
//! they would cost more than they save.
//!
//! Buttons carry a `data-action` (also their `data-testid`) and a
//! `data-value`; one click handler on the view's root reads them with
//! `clicked`.

use leptos::ev::MouseEvent;
use leptos::html;
use leptos::prelude::*;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::{Element, Event, HtmlFormElement};

/// A `tag` element with `class` and `text` (each skipped when empty), at the
/// end of `parent`.
#[inline(never)]
pub fn add(parent: &Element, tag: &str, class: &str, text: &str) -> Element {
    let element = document().create_element(tag).expect("a known tag name");
    if !class.is_empty() {
        element.set_class_name(class);
    }
    if !text.is_empty() {
        element.set_text_content(Some(text));
    }
    let _ = parent.append_child(&element);
    element
}

#[inline(never)]
pub fn set(element: &Element, name: &str, value: &str) {
    let _ = element.set_attribute(name, value);
}

/// A button labelled `label` for `action` on `value`.
#[inline(never)]
pub fn button(parent: &Element, class: &str, action: &str, value: &str, label: &str) -> Element {
    let button = add(parent, "button", class, label);
    set(&button, "type", "button");
    set(&button, "data-testid", action);
    set(&button, "data-action", action);
    set(&button, "data-value", value);
    button
}

/// A table with `head` for its column titles; rows go in its `tbody`,
/// which is returned.
pub fn table(parent: &Element, testid: &str, head: &[&str]) -> Element {
    let table = add(&add(parent, "div", "table", ""), "table", "", "");
    set(&table, "data-testid", testid);
    let row = add(&add(&table, "thead", "", ""), "tr", "", "");
    for title in head {
        add(&row, "th", "", title);
    }
    add(&table, "tbody", "", "")
}

/// What the button a click was on asks for, if it was on one.
fn clicked(event: &Event) -> Option<Action> {
    let target = event.target()?.dyn_into::<Element>().ok()?;
    let button = target.closest("[data-action]").ok()??;
    Some(Action {
        name: button.get_attribute("data-action")?,
        value: button.get_attribute("data-value").unwrap_or_default(),
        form: button
            .closest("form")
            .ok()
            .flatten()
            .map(JsCast::unchecked_into),
    })
}

/// What a click on a button in a view asks for.
pub struct Action {
    /// The button's `data-action`.
    pub name: String,
    /// The button's `data-value`.
    pub value: String,
    /// The form the button is in, if any.
    pub form: Option<HtmlFormElement>,
}

/// What names the element holding the focus inside `root`, if one does:
/// its `data-testid` and `data-value`.
fn focused_in(root: &Element) -> Option<(String, String)> {
    let focused = document().active_element()?;
    if !root.contains(Some(&focused)) {
        return None;
    }
    let testid = focused.get_attribute("data-testid")?;
    Some((
        testid,
        focused.get_attribute("data-value").unwrap_or_default(),
    ))
}

/// Gives the focus back to the element of the new drawing named as the
/// focused one of the old was.
fn refocus(root: &Element, (testid, value): (String, String)) {
    if let Some(element) = find_named(root, &testid, &value) {
        let _ = element.unchecked_into::<web_sys::HtmlElement>().focus();
    }
}

/// The first element under `parent`, depth first, with this `data-testid`
/// and `data-value`.
fn find_named(parent: &Element, testid: &str, value: &str) -> Option<Element> {
    let mut child = parent.first_element_child();
    while let Some(element) = child {
        if element.get_attribute("data-testid").as_deref() == Some(testid)
            && element.get_attribute("data-value").unwrap_or_default() == value
        {
            return Some(element);
        }
        if let Some(found) = find_named(&element, testid, value) {
            return Some(found);
        }
        child = element.next_element_sibling();
    }
    None
}

/// A view drawn by plain code: `draw` fills the (emptied) root, again
/// whenever a signal it read changes; clicks on its buttons go to `act`.
/// The focus survives a drawing: the element named as the focused one was
/// gets it back, so a keyboard user stays where they were.
/// Every such view shares this one function, so its reactive and event
/// code is compiled once. (Its forms are sent by a button's click, not a
/// submit event: one handler less.)
pub fn view(
    class: &'static str,
    draw: Rc<dyn Fn(&Element)>,
    act: Rc<dyn Fn(Action)>,
) -> impl IntoView {
    let root = NodeRef::<html::Div>::new();
    Effect::new(move |_| {
        if let Some(root) = root.get() {
            let focused = focused_in(&root);
            root.set_text_content(None);
            draw(&root);
            if let Some(focused) = focused {
                refocus(&root, focused);
            }
        }
    });
    let click = move |event: MouseEvent| {
        if let Some(action) = clicked(&event) {
            act(action);
        }
    };
    view! { <div class=class node_ref=root on:click=click></div> }
}
