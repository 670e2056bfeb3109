//! Parameters checked by type (linfa's `ParamGuard`): each capability's `XParams::check`
//! returns a [`Checked`] `XParams`, the only form its algorithms take, so no run can skip
//! validation. It reads as the parameters it holds (`Deref`) and serialises as them.

use serde::Serialize;

/// Parameters `P` that passed `P::check`. Only the crate constructs one (in each `check`).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Checked<P>(P);

impl<P> Checked<P> {
    /// Wraps parameters that `check` has just accepted.
    pub(crate) fn accepted(p: P) -> Self {
        Checked(p)
    }

    /// The parameters, to change and check again.
    pub fn into_inner(self) -> P {
        self.0
    }
}

impl<P> std::ops::Deref for Checked<P> {
    type Target = P;

    fn deref(&self) -> &P {
        &self.0
    }
}
