pub(super) fn placeholder() {}
