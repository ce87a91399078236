//! The cards in the grid, one per image of the window. A card that stays in
//! the window stays where it is in the page: it is never taken out and put
//! back, which would drop the keyboard focus inside it (a keyed list moves
//! the cards that stay when others join before them). Cards joining are put
//! in before the card that follows them; cards leaving are taken out, and
//! their reactive state goes with them.

use imghost_shared::api::{ImageId, ImageRecord};
use leptos::prelude::*;
use leptos::tachys::reactive_graph::OwnedView;
use leptos::tachys::view::{Mountable, Render};
use std::collections::HashSet;
use std::sync::Arc;
use web_sys::Element;

struct Mounted<S> {
    id: ImageId,
    /// The card's `<li>`.
    element: Option<Element>,
    state: S,
}

/// The cards `make` makes, mounted.
pub struct MountedCards<F, V>
where
    V: Render,
{
    /// Each card's own owner is a child of this one (the grid's), not of
    /// whatever runs `show`.
    owner: Owner,
    make: F,
    cards: Vec<Mounted<<OwnedView<V> as Render>::State>>,
}

impl<F, V> MountedCards<F, V>
where
    F: Fn(Arc<ImageRecord>) -> V,
    V: Render,
{
    pub fn new(make: F) -> Self {
        Self {
            owner: Owner::current().expect("cards are made inside the grid"),
            make,
            cards: Vec::new(),
        }
    }

    /// Makes the children of `grid` the cards of `images`, in that order.
    pub fn show(&mut self, grid: &Element, images: &[Arc<ImageRecord>]) {
        let wanted: HashSet<ImageId> = images.iter().map(|image| image.id).collect();
        self.cards.retain_mut(|card| {
            let stays = wanted.contains(&card.id);
            if !stays {
                card.state.unmount();
            }
            stays
        });
        // The cards that stay are in the images' order (images are only
        // ever added and removed, never reordered); if not, all go.
        let mut staying = self.cards.iter().map(|card| card.id).peekable();
        for image in images {
            staying.next_if_eq(&image.id);
        }
        if staying.peek().is_some() {
            for mut card in self.cards.drain(..) {
                card.state.unmount();
            }
        }
        let mut old = std::mem::take(&mut self.cards).into_iter().peekable();
        for image in images {
            match old.next_if(|card| card.id == image.id) {
                Some(card) => self.cards.push(card),
                None => {
                    let before = old.peek().and_then(|card| card.element.as_ref());
                    let card = self.mount(grid, image.clone(), before);
                    self.cards.push(card);
                }
            }
        }
    }

    fn mount(
        &self,
        grid: &Element,
        image: Arc<ImageRecord>,
        before: Option<&Element>,
    ) -> Mounted<<OwnedView<V> as Render>::State> {
        let id = image.id;
        let owner = self.owner.with(Owner::new);
        untrack(|| {
            let view = owner.with(|| (self.make)(image));
            let mut state = OwnedView::new_with_owner(view, owner).build();
            state.mount(grid, before.map(AsRef::as_ref));
            Mounted {
                id,
                element: state.elements().into_iter().next(),
                state,
            }
        })
    }
}
