// Who is logged in (from POST auth/login or GET me), for the views to ask.
let me = null;

export function setUser(user) {
  me = user;
}

export function user() {
  return me;
}

export function seesEverything() {
  return me != null && (me.role === 'supervisor' || me.role === 'admin');
}

export function isAdmin() {
  return me != null && me.role === 'admin';
}
