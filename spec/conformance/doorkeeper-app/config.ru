# frozen_string_literal: true
require_relative 'app'
# SQLite ignores the row lock Doorkeeper takes on a refresh token (RefreshTokenRequest: lock!): one request
# at a time gives what PostgreSQL's lock gives. Puma still runs several threads so keep-alive
# connections do not queue behind each other.
use Rack::Lock
use TokenRequestRecorder
run Rails.application
