/* Live updates for the Notes pages (Server-Sent Events). The pages work without this file; with
   it, the home list and an open note follow changes made anywhere. Everything received is put in
   the page with textContent, never as HTML. */
/* global document, window, location, EventSource */
(function () {
  'use strict';
  var root = document.querySelector('[data-live]');
  if (!root || typeof EventSource === 'undefined') return;

  var isNote = root.getAttribute('data-live') === 'note';
  var key = root.getAttribute('data-key') || '';
  var url =
    '/notes/events?' +
    (isNote ? 'key=' + encodeURIComponent(key) + '&' : '') +
    'since=' +
    encodeURIComponent(root.getAttribute('data-since') || '');
  var source = new EventSource(url);
  source.onopen = function () {
    root.setAttribute('data-live-state', 'open');
  };
  source.onerror = function () {
    root.setAttribute('data-live-state', 'reconnecting');
  };
  source.addEventListener('resync', function () {
    location.reload();
  });
  window.addEventListener('pagehide', function () {
    source.close();
  });

  function on(name, handler) {
    source.addEventListener(name, function (message) {
      var data;
      try {
        data = JSON.parse(message.data);
      } catch {
        return;
      }
      handler(data);
    });
  }

  var dateFormat = new Intl.DateTimeFormat('en-GB', {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: 'UTC',
  });
  function formatDate(iso) {
    return dateFormat.format(new Date(iso)) + ' UTC';
  }
  function byId(id) {
    return document.getElementById(id);
  }

  if (!isNote) {
    var list = root;
    var empty = byId('no-notes');
    var find = function (k) {
      for (var i = 0; i < list.children.length; i++) {
        if (list.children[i].getAttribute('data-key') === k) return list.children[i];
      }
      return null;
    };
    var before = function (title, k) {
      for (var i = 0; i < list.children.length; i++) {
        var li = list.children[i];
        var t = li.textContent.trim();
        if (t > title || (t === title && li.getAttribute('data-key') > k)) return li;
      }
      return null;
    };
    var refreshEmpty = function () {
      if (empty) empty.hidden = list.children.length > 0;
    };
    on('note-saved', function (d) {
      var li = find(d.key);
      if (!li) {
        li = document.createElement('li');
        li.setAttribute('data-key', d.key);
        var a = document.createElement('a');
        a.href = '/notes/view?key=' + encodeURIComponent(d.key);
        li.appendChild(a);
      }
      li.firstChild.textContent = d.title;
      if (li.parentNode) list.removeChild(li);
      list.insertBefore(li, before(d.title, d.key));
      li.className = 'fresh';
      refreshEmpty();
    });
    on('note-deleted', function (d) {
      var li = find(d.key);
      if (li) list.removeChild(li);
      refreshEmpty();
    });
    return;
  }

  on('note-saved', function (d) {
    byId('note-title').textContent = d.title;
    byId('note-body').textContent = d.body;
    var updated = byId('note-updated');
    updated.textContent = formatDate(d.updatedAt);
    updated.setAttribute('datetime', d.updatedAt);
    document.title = d.title + ' · Notes';
  });
  on('note-deleted', function () {
    byId('note-deleted').hidden = false;
    root.classList.add('deleted');
    ['note-actions', 'comment-form'].forEach(function (id) {
      var el = byId(id);
      if (el) el.hidden = true;
    });
  });
  on('comment-added', function (d) {
    if (byId('comment-' + d.id)) return;
    var template = byId('comment-template');
    var item = template.content.firstElementChild.cloneNode(true);
    item.id = 'comment-' + d.id;
    item.setAttribute('data-id', String(d.id));
    item.setAttribute('data-author', d.author);
    item.querySelector('.comment-author').textContent = d.authorName;
    var time = item.querySelector('.comment-time');
    time.textContent = formatDate(d.createdAt);
    time.setAttribute('datetime', d.createdAt);
    item.querySelector('.comment-body').textContent = d.body;
    var form = item.querySelector('form');
    if (form) {
      if (d.author !== document.body.getAttribute('data-username'))
        form.parentNode.removeChild(form);
      else form.querySelector('input[name="id"]').value = String(d.id);
    }
    byId('comment-list').appendChild(item);
  });
  on('comment-deleted', function (d) {
    var item = byId('comment-' + d.id);
    if (item) item.parentNode.removeChild(item);
  });
})();
